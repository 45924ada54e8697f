/**
 * Fault injection of the SpatialGen sandbox: its endpoint names, and the kit's per-endpoint
 * faults, schema and injector over them.
 */

import type { AnswerRewriter } from "../sandbox-kit/api-listener.js";
import type {
  EndpointFaults,
  FaultRandom,
  FaultRoll,
  PartPutFaults,
} from "../sandbox-kit/faults.js";
import { faultsSchemaOf, parseFaults } from "../sandbox-kit/faults-schema.js";

/** A SpatialGen endpoint that faults can be injected into; `partPut` is the presigned-URL gate. */
export type SpatialGenFaultEndpoint = "start" | "partUrls" | "complete" | "cancel" | "partPut";

/** A SpatialGen API endpoint (every fault endpoint but the part PUT gate). */
export type SpatialGenApiEndpoint = Exclude<SpatialGenFaultEndpoint, "partPut">;

/** The API endpoints, in the order their faults are listed. */
const API_ENDPOINTS = [
  "start",
  "partUrls",
  "complete",
  "cancel",
] as const satisfies readonly SpatialGenApiEndpoint[];

/** Faults of every SpatialGen sandbox endpoint (the kit's fields). */
export interface SpatialGenSandboxFaults {
  readonly start?: EndpointFaults;
  readonly partUrls?: EndpointFaults;
  readonly complete?: EndpointFaults;
  readonly cancel?: EndpointFaults;
  readonly partPut?: PartPutFaults;
}

/** One roll of the dice, under SpatialGen's endpoint name. */
export type SpatialGenFaultRoll = FaultRoll<SpatialGenFaultEndpoint>;

/** A random source of fault rolls, in [0, 1); below the rate, the fault hits. */
export type SpatialGenFaultRandom = FaultRandom<SpatialGenFaultEndpoint>;

/**
 * Rewrites the JSON body of a successful API answer just before it is sent, so that tests can
 * produce any answer shape; `undefined` sends an empty body.
 */
export type SpatialGenAnswerRewriter = AnswerRewriter<SpatialGenApiEndpoint>;

/** Schema of {@link SpatialGenSandboxFaults}: the kit's per-endpoint schemas; unknown fields refused. */
export const spatialGenFaultsSchema = faultsSchemaOf(API_ENDPOINTS);

/** Returns the faults if they are valid; throws `InvalidInputError` naming each bad field. */
export function validateSpatialGenFaults(faults: unknown): SpatialGenSandboxFaults {
  return parseFaults(spatialGenFaultsSchema, faults, "SpatialGen sandbox");
}
