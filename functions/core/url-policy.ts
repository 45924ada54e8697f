/**
 * Which presigned URLs the relay will send bytes to. A provider answer is data from the wire: a
 * URL pointing elsewhere (plain http, a host nobody allowed) would leak the file, so it is
 * refused before anything is stored or sent.
 */

import { InvalidInputError, UntrustedUrlError } from "./errors.js";

/** Settings of a {@link UrlPolicy}. */
export interface UrlPolicyOptions {
  /**
   * Hosts presigned URLs may point at. `*.example.com` matches every subdomain of
   * `example.com` at any depth, but not `example.com` itself. Host names only, no ports.
   */
  readonly allowedHosts: readonly string[];
  /**
   * Hosts that may also be reached over plain `http`, because the local sandbox has no TLS.
   * Only exact loopback hosts (`localhost`, `127.x.x.x`, `[::1]`) that are also allowed are
   * accepted here; anything else is refused at construction.
   * @default - none: https only
   */
  readonly insecureHosts?: readonly string[];
}

/** Host patterns, as compiled from {@link UrlPolicyOptions.allowedHosts}. */
interface HostRule {
  /** Exact host, or the suffix (with its leading dot) of a wildcard. */
  readonly host: string;
  readonly wildcard: boolean;
}

/** Decides whether a presigned URL may be used. */
export class UrlPolicy {
  private readonly rules: readonly HostRule[];
  private readonly insecureHosts: ReadonlySet<string>;

  constructor(options: UrlPolicyOptions) {
    const bad: string[] = [];
    const rules: HostRule[] = [];
    for (const entry of options.allowedHosts) {
      const rule = compileRule(entry);
      if (rule) rules.push(rule);
      else bad.push(JSON.stringify(entry));
    }
    if (bad.length > 0) {
      throw new InvalidInputError(
        `allowed URL hosts must be host names or *.domain wildcards, without ports: ${bad.join(", ")}`,
      );
    }
    if (rules.length === 0) throw new InvalidInputError("allowed URL hosts must not be empty");
    const insecure = (options.insecureHosts ?? []).map((host) => normalizeHost(host.trim()));
    const notLoopback = insecure.filter(
      (host) =>
        !isLoopbackHost(host) || !rules.some((rule) => !rule.wildcard && rule.host === host),
    );
    if (notLoopback.length > 0) {
      throw new InvalidInputError(
        `plain http is only for allowed loopback hosts, not ${notLoopback.map((h) => JSON.stringify(h)).join(", ")}`,
      );
    }
    this.rules = rules;
    this.insecureHosts = new Set(insecure);
  }

  /** Throws `UntrustedUrlError` (carrying only the host) unless `url` may be used. */
  check(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UntrustedUrlError("(unparseable URL)");
    }
    const host = normalizeHost(parsed.hostname);
    const hostAllowed = this.rules.some((rule) =>
      rule.wildcard
        ? host.endsWith(rule.host) && host.length > rule.host.length
        : host === rule.host,
    );
    const schemeAllowed =
      parsed.protocol === "https:" || (parsed.protocol === "http:" && this.insecureHosts.has(host));
    // Presigned URLs are signed in the query, never with userinfo: one carrying it is not one.
    const noCredentials = parsed.username === "" && parsed.password === "";
    if (!hostAllowed || !schemeAllowed || !noCredentials) {
      throw new UntrustedUrlError(host || "(no host)");
    }
  }

  /** Whether `url` may be used; the boolean form of {@link UrlPolicy.check}. */
  allows(url: string): boolean {
    try {
      this.check(url);
      return true;
    } catch {
      return false;
    }
  }
}

function compileRule(entry: string): HostRule | undefined {
  const text = entry.trim().toLowerCase();
  const wildcard = text.startsWith("*.");
  const host = normalizeHost(wildcard ? text.slice(2) : text);
  if (!host || host.includes("*")) return undefined;
  // The URL parser is the judge of what a host is: a port, path or odd character changes it.
  let canonical: string;
  try {
    canonical = normalizeHost(new URL(`https://${host}/`).hostname);
  } catch {
    return undefined;
  }
  if (canonical !== host) return undefined;
  return wildcard ? { host: `.${host}`, wildcard } : { host, wildcard };
}

/** Lowercase, without the trailing dot of a fully qualified name. */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** Whether `host` is a loopback host name or address (`localhost`, `127.x.x.x`, `[::1]`). */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}
