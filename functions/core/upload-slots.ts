/**
 * Admission control: at most `limit` uploads in flight (granted a slot after admit, until
 * finish or fail releases it), the others waiting their turn in order of arrival. All of it
 * lives in the relay's one table, beside the uploads:
 *
 * - The slots item (`pk = slots`, `sk = slots`): `holders`, a map of upload key →
 *   `{grantedAt, expiresAt}`, and `version`, bumped by every change. A grant rewrites the map
 *   with a conditional write on `version` (optimistic concurrency), so the holders never
 *   exceed the limit however many waiters race; a release removes one key and bumps `version`,
 *   so a grant computed from an older map fails and is tried again.
 * - One waiter item per waiting upload (`pk = slots`, `sk = wait#<arrival ms>#<uploadKey>`),
 *   so a Query lists the waiters oldest first. Each poll renews its `expectBy` (the poll after
 *   next is due by then); a waiter past it stopped polling (its execution was stopped, or is
 *   stuck in retries) and no longer holds anyone back: it is deleted when met. If it comes
 *   back, it registers again under the same key and so keeps its place.
 *
 * A waiter is granted a slot only when fewer live waiters are ahead of it than slots are free,
 * so earlier arrivals go first. A holder whose execution ended without releasing (stopped by
 * hand) keeps its slot until its lease ends: the lease is the longest an upload may run, and
 * a grant drops expired holders.
 *
 * Every write is a single-item conditional write or an idempotent delete: repeated calls (a
 * retried Task) find their work done.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { conditionally } from "./store/upload-records.js";

/** Most uploads the slots item can track: each holder takes ~70 bytes of a 400 KB item. */
export const MAX_UPLOAD_SLOTS = 1000;

/** Seconds a waiter near the front waits between two polls. */
export const SLOT_POLL_SECONDS = 10;

/**
 * Seconds a waiter farther back (at least twice `limit` live waiters ahead: two whole rounds of
 * uploads before its turn) waits between polls; fewer polls, fewer state transitions.
 */
export const SLOT_POLL_FAR_SECONDS = 60;

/**
 * How late a waiter's next poll may be before it counts as gone: its Task may be throttled or
 * retried a few times on the way (each retry of Lambda's capacity errors waits up to 60 s).
 */
export const SLOT_POLL_GRACE_MS = 180_000;

/** Days a waiter item is kept at most (DynamoDB TTL): a backstop, waiters delete themselves. */
const WAITER_RETENTION_DAYS = 1;

const SLOTS_PK = "slots";
const SLOTS_SK = "slots";
const WAITER_PREFIX = "wait#";
/** Attempts at a grant that lost a race with another grant or a release. */
const GRANT_ATTEMPTS = 3;
/** Waiter items read per Query page. */
const PAGE_SIZE = 100;

/** A slot held by one upload. Epoch ms. */
export interface SlotHolder {
  readonly grantedAt: number;
  readonly expiresAt: number;
}

/** What an upload asks for. */
export interface SlotRequest {
  readonly uploadKey: string;
  /** When the upload arrived (its execution started), epoch ms: the queue's order. */
  readonly arrivedAt: number;
  /** Uploads in flight at most. */
  readonly limit: number;
  /** How long a slot is held at most, in ms, if it is never released. */
  readonly leaseMs: number;
}

/** The answer: a slot, or how long to wait before asking again. */
export type SlotAnswer =
  | { readonly granted: true }
  | {
      readonly granted: false;
      /** Seconds until the next poll. */
      readonly waitSeconds: number;
      /** Live waiters ahead, counted up to twice the limit. */
      readonly ahead: number;
    };

/** Options of {@link UploadSlots}. */
export interface UploadSlotsOptions {
  readonly tableName: string;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

interface WaiterItem {
  readonly sk: string;
  readonly uploadKey: string;
  readonly expectBy: number;
}

/** The upload slots of one relay table. */
export class UploadSlots {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => number;

  /** Slots over a plain DynamoDB client (wrapped in a document client). */
  static fromClient(client: DynamoDBClient, options: UploadSlotsOptions): UploadSlots {
    return new UploadSlots(DynamoDBDocumentClient.from(client), options);
  }

  constructor(doc: DynamoDBDocumentClient, options: UploadSlotsOptions) {
    this.#doc = doc;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Grants `request.uploadKey` a slot if one is free and no earlier live waiter is in line for
   * it; otherwise registers (or renews) it as a waiter and says when to ask again. Asking
   * again after a grant answers granted again.
   */
  async acquire(request: SlotRequest): Promise<SlotAnswer> {
    const { uploadKey, limit } = request;
    const mySk = waiterSk(request.arrivedAt, uploadKey);
    for (let attempt = 1; ; attempt++) {
      const now = this.#now();
      const { holders, version } = await this.#readSlots();
      if (holders[uploadKey]) {
        // A repeated call after its grant: the waiter item may still be there.
        await this.#deleteWaiter(mySk);
        return { granted: true };
      }
      const live = Object.entries(holders).filter(([, h]) => h.expiresAt > now);
      const free = limit - live.length;
      const near = 2 * limit;
      const ahead = await this.#liveWaitersAhead(mySk, new Set(Object.keys(holders)), near, now);
      if (ahead < free) {
        const next = Object.fromEntries(live);
        next[uploadKey] = { grantedAt: now, expiresAt: now + request.leaseMs };
        if (await this.#writeHolders(next, version)) {
          await this.#deleteWaiter(mySk);
          return { granted: true };
        }
        // Another grant or a release came first: read again.
        if (attempt < GRANT_ATTEMPTS) continue;
      }
      const waitSeconds = ahead < near ? SLOT_POLL_SECONDS : SLOT_POLL_FAR_SECONDS;
      await this.#registerWaiter(mySk, uploadKey, now + waitSeconds * 1000 + SLOT_POLL_GRACE_MS);
      return { granted: false, waitSeconds, ahead };
    }
  }

  /** Frees the slot `uploadKey` holds. Returns false if it held none (a repeated release). */
  async release(uploadKey: string): Promise<boolean> {
    return conditionally(
      this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: SLOTS_PK, sk: SLOTS_SK },
          UpdateExpression: "REMOVE holders.#key SET version = version + :one",
          ConditionExpression: "attribute_exists(holders.#key)",
          ExpressionAttributeNames: { "#key": uploadKey },
          ExpressionAttributeValues: { ":one": 1 },
        }),
      ),
    );
  }

  /** The uploads holding a slot now, expired leases included (an operator's view). */
  async holders(): Promise<Readonly<Record<string, SlotHolder>>> {
    return (await this.#readSlots()).holders;
  }

  async #readSlots(): Promise<{ holders: Record<string, SlotHolder>; version: number }> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: SLOTS_PK, sk: SLOTS_SK },
        ConsistentRead: true,
      }),
    );
    return {
      holders: (out.Item?.holders as Record<string, SlotHolder> | undefined) ?? {},
      version: Number(out.Item?.version ?? 0),
    };
  }

  /** Replaces the holders if nothing changed since `version` was read. */
  async #writeHolders(holders: Record<string, SlotHolder>, version: number): Promise<boolean> {
    return conditionally(
      this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: SLOTS_PK, sk: SLOTS_SK },
          UpdateExpression: "SET holders = :holders, version = :next",
          ConditionExpression:
            version === 0
              ? "attribute_not_exists(version) OR version = :version"
              : "version = :version",
          ExpressionAttributeValues: {
            ":holders": holders,
            ":version": version,
            ":next": version + 1,
          },
        }),
      ),
    );
  }

  /**
   * Live waiters ahead of `mySk`, counted up to `enough`. Waiters that stopped polling, and
   * leftovers of uploads that hold a slot already, are skipped and deleted on the way.
   */
  async #liveWaitersAhead(
    mySk: string,
    holders: ReadonlySet<string>,
    enough: number,
    now: number,
  ): Promise<number> {
    let ahead = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": SLOTS_PK, ":from": WAITER_PREFIX, ":to": mySk },
          ConsistentRead: true,
          Limit: PAGE_SIZE,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (out.Items ?? []) as WaiterItem[]) {
        if (item.sk === mySk) continue;
        if (holders.has(item.uploadKey)) {
          await this.#deleteWaiter(item.sk);
        } else if (item.expectBy < now) {
          await this.#deleteWaiter(item.sk, item.expectBy);
        } else {
          ahead += 1;
          if (ahead >= enough) return ahead;
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return ahead;
  }

  async #registerWaiter(sk: string, uploadKey: string, expectBy: number): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: SLOTS_PK, sk },
        UpdateExpression: "SET uploadKey = :key, expectBy = :expectBy, #ttl = :ttl",
        ExpressionAttributeNames: { "#ttl": "ttl" },
        ExpressionAttributeValues: {
          ":key": uploadKey,
          ":expectBy": expectBy,
          ":ttl": Math.floor((this.#now() + WAITER_RETENTION_DAYS * 86_400_000) / 1000),
        },
      }),
    );
  }

  /** Deletes a waiter item; with `expectBy`, only if it was not renewed meanwhile. */
  async #deleteWaiter(sk: string, expectBy?: number): Promise<void> {
    await conditionally(
      this.#doc.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk: SLOTS_PK, sk },
          ...(expectBy !== undefined
            ? {
                ConditionExpression: "expectBy = :expectBy",
                ExpressionAttributeValues: { ":expectBy": expectBy },
              }
            : {}),
        }),
      ),
    );
  }
}

/** Sort key of a waiter: by arrival (ms, zero-padded), then upload key. */
function waiterSk(arrivedAt: number, uploadKey: string): string {
  return `${WAITER_PREFIX}${String(Math.max(0, Math.trunc(arrivedAt))).padStart(15, "0")}#${uploadKey}`;
}
