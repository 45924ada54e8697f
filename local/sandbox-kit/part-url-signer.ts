/**
 * Makes presigned part URLs: real SigV4 URLs for the local S3 server, with the origin swapped for
 * the sandbox's gate, which enforces what the S3 server does not (expiry on the sandbox's clock,
 * the upload's state) and injects the part-PUT faults. They sign only `host`, as the real
 * services' do, so S3 would take a PUT with any Content-Type. Every URL handed out is kept, so
 * that the gate can tell an issued URL from a forged or tampered one.
 */

import { type PutObjectCommand, type S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/** Lifetime of the URL the gate forwards a PUT to; it is used at once. */
const FORWARD_URL_SECONDS = 300;

/** A command a part URL can be signed for. */
export type PartCommand = UploadPartCommand | PutObjectCommand;

/** What a sandbox records of a part URL: at least its part number. */
export interface PartUrlDetails {
  readonly partNumber: number;
  /** Upload headers the gate demands in strict mode; the signature itself does not cover them. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A part URL as issued, keyed by its signature: the sandbox's details, and what was signed. */
export type IssuedPartUrl<D extends PartUrlDetails> = D & {
  readonly signature: string;
  /** Path of the URL, as issued. */
  readonly pathname: string;
  /** Every query parameter, sorted ({@link canonicalQuery}), so that a tampered query differs. */
  readonly canonicalQuery: string;
  readonly expiresAt: number;
};

/** What the signer needs. */
export interface PartUrlSignerDeps {
  readonly s3: S3Client;
  /** `http://127.0.0.1:<port>` of the gate. */
  readonly gateOrigin: string;
  readonly s3Endpoint: string;
  readonly now: () => number;
  readonly lifetimeSeconds: number;
}

/** Sorted `name=value` pairs of a query, so that order does not matter but every value does. */
export function canonicalQuery(params: URLSearchParams): string {
  return [...params.entries()]
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort()
    .join("&");
}

/** Signs part URLs for clients (and keeps them) and for the gate's own forwarding. */
export class PartUrlSigner<D extends PartUrlDetails> {
  private readonly issued = new Map<string, IssuedPartUrl<D>>();

  constructor(private readonly deps: PartUrlSignerDeps) {}

  /** A fresh client URL for `command`, expiring `lifetimeSeconds` from now, kept with `details`. */
  async issue(
    command: PartCommand,
    details: D,
  ): Promise<{ readonly url: string; readonly issued: IssuedPartUrl<D> }> {
    // X-Amz-Date has second precision: start the lifetime at that second so that the URL's own
    // expiry and the gate's agree exactly.
    const signedAt = Math.floor(this.deps.now() / 1000) * 1000;
    const signed = new URL(
      await sign(this.deps.s3, command, {
        expiresIn: this.deps.lifetimeSeconds,
        signingDate: new Date(signedAt),
      }),
    );
    const signature = signed.searchParams.get("X-Amz-Signature");
    if (!signature) throw new Error("the presigner returned a URL without X-Amz-Signature");
    const gate = new URL(this.deps.gateOrigin);
    signed.protocol = gate.protocol;
    signed.host = gate.host;
    const issued: IssuedPartUrl<D> = {
      ...details,
      signature,
      pathname: signed.pathname,
      canonicalQuery: canonicalQuery(signed.searchParams),
      expiresAt: signedAt + this.deps.lifetimeSeconds * 1000,
    };
    this.issued.set(signature, issued);
    return { url: signed.toString(), issued };
  }

  /** The issued URL with this signature, if any. */
  issuedUrl(signature: string): IssuedPartUrl<D> | undefined {
    return this.issued.get(signature);
  }

  /** A URL on the S3 server itself for the gate to forward a PUT to, signed on the real clock. */
  async forwardUrl(command: PartCommand): Promise<string> {
    const signed = new URL(await sign(this.deps.s3, command, { expiresIn: FORWARD_URL_SECONDS }));
    const target = new URL(this.deps.s3Endpoint);
    signed.protocol = target.protocol;
    signed.host = target.host;
    return signed.toString();
  }
}

function sign(
  s3: S3Client,
  command: PartCommand,
  options: { readonly expiresIn: number; readonly signingDate?: Date },
): Promise<string> {
  // Each branch names one command type: the presigner infers its types from a single command.
  return command instanceof UploadPartCommand
    ? getSignedUrl(s3, command, options)
    : getSignedUrl(s3, command, options);
}
