/** Builds the configured {@link Provider}: the one place the pipeline learns which it holds. */

import type { Dispatcher } from "undici";
import type { ProviderName } from "../config/environment.js";
import { InvalidInputError } from "../errors.js";
import type { Provider } from "../provider.js";
import { UrlPolicy } from "../url-policy.js";
import { SpatialGenClient } from "./spatialgen/spatialgen-client.js";
import { SpatialGenProvider } from "./spatialgen/spatialgen-provider.js";
import { TwelveLabsClient } from "./twelvelabs/twelvelabs-client.js";
import { TwelveLabsProvider } from "./twelvelabs/twelvelabs-provider.js";

/** Options of {@link createProvider}. */
export interface CreateProviderOptions {
  /** Which provider. */
  readonly provider: ProviderName;
  /** API base URL, e.g. `https://api.twelvelabs.io/v1.3`, or SpatialGen's origin. */
  readonly baseUrl: string;
  /** Reads the API key when a call needs it (Secrets Manager on AWS). */
  readonly apiKey: () => Promise<string>;
  /** Hosts presigned URLs may point at (`*.` wildcard allowed). */
  readonly allowedUrlHosts: readonly string[];
  /** Hosts allowed over plain http: only the local sandbox. @default none */
  readonly insecureHosts?: readonly string[];
  /** undici dispatcher for API calls. @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
  /** Largest file accepted, in bytes. @default the provider's documented limit */
  readonly maxFileSize?: number;
}

/** Creates the provider named in `options`. */
export function createProvider(options: CreateProviderOptions): Provider {
  switch (options.provider) {
    case "twelvelabs":
      return createTwelveLabs(options);
    case "spatialgen":
      return createSpatialGen(options);
    default: {
      // A name the type does not know (from an untyped caller) fails before any call.
      const name: never = options.provider;
      throw new InvalidInputError(`unknown provider ${String(name)}`);
    }
  }
}

function createSpatialGen(options: CreateProviderOptions): Provider {
  const urlPolicy = new UrlPolicy({
    allowedHosts: options.allowedUrlHosts,
    insecureHosts: options.insecureHosts ?? [],
  });
  const client = new SpatialGenClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return new SpatialGenProvider({
    client,
    urlPolicy,
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
  });
}

function createTwelveLabs(options: CreateProviderOptions): Provider {
  const urlPolicy = new UrlPolicy({
    allowedHosts: options.allowedUrlHosts,
    insecureHosts: options.insecureHosts ?? [],
  });
  const client = new TwelveLabsClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return new TwelveLabsProvider({
    client,
    urlPolicy,
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
  });
}
