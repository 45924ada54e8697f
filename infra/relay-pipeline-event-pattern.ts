/**
 * The EventBridge pattern that selects the drop bucket's "Object Created" events for the relay.
 * Pure: the construct passes it the bucket name and the resolved key filters.
 */

import type * as events from "aws-cdk-lib/aws-events";

/**
 * Event pattern of S3 "Object Created" events of `bucketName`, optionally only for keys with
 * `keyPrefix` and ending with one of `keySuffixes`.
 *
 * EventBridge ORs the filters in one list, so a prefix and suffixes together become one
 * `wildcard` filter per suffix (`<prefix>*<suffix>`, with `*` and `\` in them escaped).
 */
export function objectCreatedPattern(
  bucketName: string,
  keyPrefix?: string,
  keySuffixes?: readonly string[],
): events.EventPattern {
  const suffixes = keySuffixes?.length ? keySuffixes : undefined;
  let key: unknown[] | undefined;
  if (keyPrefix && suffixes) {
    key = suffixes.map((s) => ({
      wildcard: `${escapeWildcard(keyPrefix)}*${escapeWildcard(s)}`,
    }));
  } else if (keyPrefix) {
    key = [{ prefix: keyPrefix }];
  } else if (suffixes) {
    key = suffixes.map((s) => ({ suffix: s }));
  }
  return {
    source: ["aws.s3"],
    detailType: ["Object Created"],
    detail: {
      bucket: { name: [bucketName] },
      ...(key ? { object: { key } } : {}),
    },
  };
}

/** Escapes the characters EventBridge's `wildcard` filter treats specially. */
function escapeWildcard(literal: string): string {
  return literal.replace(/[\\*]/g, (c) => `\\${c}`);
}
