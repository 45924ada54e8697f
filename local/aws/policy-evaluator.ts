/**
 * Evaluates one IAM check (principal, action, resource) against the principal's identity
 * policies and an optional resource policy with `@cloud-copilot/iam-simulate`, and caches the
 * verdict per principal, action and resource.
 *
 * Licence boundary: iam-simulate is AGPL-3.0. It is a devDependency used only by the local stack;
 * it may be imported from `local/` only, never from `functions/` or `infra/`, so that nothing
 * deployed or shipped contains it.
 */

import {
  getDenialReasons,
  getGrantReasons,
  type RequestDenial,
  type RequestGrant,
  type RunSimulationResults,
  runSimulation,
  type Simulation,
} from "@cloud-copilot/iam-simulate";

/** Conditions the local stack cannot satisfy, set explicitly in every simulated request, with the reason. */
export const LOCAL_CONDITION_CONTEXT: Readonly<
  Record<string, { readonly value: string; readonly reason: string }>
> = {
  "aws:SecureTransport": {
    value: "true",
    reason: "local endpoints are plain http on loopback; deployed calls are TLS",
  },
};

/** The caller whose policies are evaluated. */
export interface EvaluatedPrincipal {
  readonly principalArn: string;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: unknown }[];
}

/** How a check was decided, with a one-line reason naming the deciding statement. */
export type Verdict =
  | { readonly allowed: true; readonly reason: string }
  | {
      readonly allowed: false;
      /** `unevaluable`: iam-simulate refused the input (unknown action, bad ARN or policy). */
      readonly denial: "implicit" | "explicit-identity" | "explicit-resource" | "unevaluable";
      readonly reason: string;
    };

/** Evaluates checks for principals; verdicts are cached. */
export interface PolicyEvaluator {
  /** The verdict for one check; `resourcePolicy` is the resource's policy, if it has one. */
  evaluate(
    principal: EvaluatedPrincipal,
    action: string,
    resource: string,
    resourcePolicy: unknown,
  ): Promise<Verdict>;
  /** Throws if iam-simulate rejects one of the principal's identity policies. */
  validate(principal: EvaluatedPrincipal): Promise<void>;
}

/** Largest number of cached verdicts per principal; the oldest are dropped beyond it. */
const CACHE_LIMIT = 10_000;

interface CacheEntry {
  readonly resourcePolicy: unknown;
  readonly verdict: Promise<Verdict>;
}

/**
 * The context keys AWS sets from the caller. For an assumed-role session `aws:PrincipalArn` is
 * the role's ARN, not the session's (the role path is not known here, so none is assumed).
 */
function principalContext(principalArn: string, account: string): Record<string, string> {
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(principalArn);
  const roleArn = assumed
    ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`
    : principalArn;
  return {
    "aws:PrincipalArn": roleArn,
    "aws:PrincipalAccount": principalArn.split(":")[4] || account,
  };
}

function statementName(index: number, sid: string | undefined): string {
  return sid ? `statement ${index} (Sid ${sid})` : `statement ${index}`;
}

function grantText(grant: RequestGrant): string {
  const statement = statementName(grant.statementIndex, grant.statementId);
  return grant.policyType === "resource"
    ? `the resource policy, ${statement}`
    : `${grant.policyType} policy "${grant.policyIdentifier}", ${statement}`;
}

function explicitDenial(
  denials: readonly RequestDenial[],
): Extract<RequestDenial, { denialType: "Explicit" }> | undefined {
  for (const denial of denials) if (denial.denialType === "Explicit") return denial;
  return undefined;
}

function verdictOf(
  results: RunSimulationResults,
  action: string,
  resource: string,
  hasResourcePolicy: boolean,
): Verdict {
  if (results.resultType === "error") {
    return {
      allowed: false,
      denial: "unevaluable",
      reason: `iam-simulate cannot evaluate ${action} on ${resource}: ${JSON.stringify(results.errors)}`,
    };
  }
  if (results.resultType === "wildcard") {
    // A "*" in the ARN makes iam-simulate treat it as a pattern, which is not what S3 does with
    // an object key holding a "*": refuse rather than guess.
    return {
      allowed: false,
      denial: "unevaluable",
      reason: `the local gate cannot evaluate a resource ARN containing "*": ${resource}`,
    };
  }
  const analysis = results.result.analysis;
  if (results.overallResult === "Allowed") {
    const grants = getGrantReasons(analysis).map(grantText);
    return { allowed: true, reason: `allowed by ${grants.join(" and ") || "policy"}` };
  }
  const explicit = explicitDenial(getDenialReasons(analysis));
  if (results.overallResult === "ExplicitlyDenied" && explicit) {
    const statement = statementName(explicit.statementIndex, explicit.statementId);
    const inResource = explicit.policyType === "resource";
    return {
      allowed: false,
      denial: inResource ? "explicit-resource" : "explicit-identity",
      reason: inResource
        ? `explicitly denied by the resource policy, ${statement}`
        : `explicitly denied by ${explicit.policyType} policy "${explicit.policyIdentifier ?? "?"}", ${statement}`,
    };
  }
  return {
    allowed: false,
    denial: "implicit",
    reason: `no identity-based policy${hasResourcePolicy ? " and no resource policy" : ""} allows ${action} on ${resource}`,
  };
}

/** Creates an evaluator for principals of this account. */
export function createPolicyEvaluator(account: string): PolicyEvaluator {
  const caches = new WeakMap<EvaluatedPrincipal, Map<string, CacheEntry>>();
  const contexts = new WeakMap<EvaluatedPrincipal, Record<string, string>>();

  const simulate = (
    principal: EvaluatedPrincipal,
    action: string,
    resource: string,
    resourcePolicy: unknown,
  ): Promise<RunSimulationResults> => {
    let contextVariables = contexts.get(principal);
    if (!contextVariables) {
      contextVariables = principalContext(principal.principalArn, account);
      for (const [key, { value }] of Object.entries(LOCAL_CONDITION_CONTEXT)) {
        contextVariables[key] = value;
      }
      contexts.set(principal, contextVariables);
    }
    const simulation: Simulation = {
      request: {
        principal: principal.principalArn,
        action,
        // The resource's account: S3 ARNs carry none, and every local resource is in this account.
        resource: { resource, accountId: account },
        contextVariables,
      },
      identityPolicies: principal.identityPolicies.map(({ name, policy }) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    };
    return runSimulation(simulation, { simulationMode: "Strict" });
  };

  return {
    evaluate(principal, action, resource, resourcePolicy) {
      let cache = caches.get(principal);
      if (!cache) {
        cache = new Map();
        caches.set(principal, cache);
      }
      const key = `${action}\n${resource}`;
      const cached = cache.get(key);
      // A resource policy handed over anew (another object) is evaluated anew.
      if (cached && cached.resourcePolicy === resourcePolicy) return cached.verdict;
      const verdict = simulate(principal, action, resource, resourcePolicy).then((results) =>
        verdictOf(results, action, resource, resourcePolicy !== undefined),
      );
      cache.delete(key);
      cache.set(key, { resourcePolicy, verdict });
      if (cache.size > CACHE_LIMIT) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return verdict;
    },

    async validate(principal) {
      // Any well-formed check will do: iam-simulate validates every policy before evaluating.
      const results = await simulate(
        principal,
        "s3:ListBucket",
        "arn:aws:s3:::local-iam-gate-probe",
        undefined,
      );
      if (results.resultType === "error") {
        throw new Error(
          `local IAM gate: iam-simulate rejects the policies of ${principal.principalArn}: ${JSON.stringify(results.errors)}`,
        );
      }
    },
  };
}
