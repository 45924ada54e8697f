/**
 * The providers of a deployment, by name. A step looks up the provider an upload's record
 * names, so one deployment can send some prefixes to TwelveLabs and others to SpatialGen.
 * Providers are built on first use: building one makes no call and reads no secret.
 */

import { UploadStateError } from "../errors.js";
import type { Provider } from "../provider.js";

/** Every provider a deployment can reach, by name. */
export class ProviderRegistry {
  private readonly built = new Map<string, Provider>();

  /** A registry of `names`, each built by `build` on first use. */
  constructor(
    /** The names this deployment configures. */
    readonly names: readonly string[],
    private readonly build: (name: string) => Provider,
  ) {}

  /** A registry of providers already built (tests, the local stack's own clients). */
  static of(...providers: Provider[]): ProviderRegistry {
    const byName = new Map(providers.map((p) => [p.name, p]));
    return new ProviderRegistry([...byName.keys()], (name) => byName.get(name) as Provider);
  }

  /** The provider called `name`; an upload naming one this deployment lacks is a wiring fault. */
  get(name: string): Provider {
    const found = this.built.get(name);
    if (found) return found;
    if (!this.names.includes(name)) {
      throw new UploadStateError(
        `provider ${name} is not configured in this deployment (configured: ${this.names.join(", ")})`,
      );
    }
    const provider = this.build(name);
    this.built.set(name, provider);
    return provider;
  }
}
