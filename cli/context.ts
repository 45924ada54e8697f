/** What every `relay` command runs with: the target, its store view, and how often to poll. */

import { setTimeout as sleep } from "node:timers/promises";
import { UploadListing } from "../functions/core/store/upload-listing.js";
import type { Target } from "./target.js";

/** A command's view of the relay it talks to. */
export interface CommandContext {
  readonly target: Target;
  /** Upload and chunk records, read-only. */
  readonly listing: UploadListing;
  /** Milliseconds between two reads while following uploads. */
  readonly pollMs: number;
}

/** The context over `target`. */
export function contextOf(target: Target, pollMs: number): CommandContext {
  return { target, listing: UploadListing.fromClient(target.dynamodb, target.tableName), pollMs };
}

/** Waits one poll interval. */
export function nextPoll(context: CommandContext): Promise<void> {
  return sleep(context.pollMs);
}
