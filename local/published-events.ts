/** The local stand-in for the EventBridge bus: keeps every relay event and lets callers wait. */

import { EventEmitter } from "node:events";
import type { EventPublisher, RelayEvents } from "../functions/core/event-publisher.js";

/** One event the relay published. */
export type PublishedEvent = {
  [T in keyof RelayEvents]: { readonly detailType: T; readonly detail: RelayEvents[T] };
}[keyof RelayEvents];

/** An {@link EventPublisher} that records, plus the errors of background work. */
export interface PublishedEventsSink extends EventPublisher {
  /** Every event, in publication order. */
  readonly list: PublishedEvent[];
  /** Errors raised by background work (e.g. a start handler run for an S3 event). */
  readonly errors: unknown[];
  /** Emits `event` for each publication. */
  readonly emitter: EventEmitter<{ event: [PublishedEvent] }>;
}

/** Creates an empty sink. */
export function createPublishedEvents(): PublishedEventsSink {
  const list: PublishedEvent[] = [];
  const emitter = new EventEmitter<{ event: [PublishedEvent] }>();
  return {
    list,
    errors: [],
    emitter,
    async publish(detailType, detail) {
      const event = { detailType, detail } as PublishedEvent;
      list.push(event);
      emitter.emit("event", event);
    },
  };
}
