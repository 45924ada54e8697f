/**
 * Which provider takes a dropped object: the route whose key prefix is the longest that the
 * key starts with, so the order routes are listed in never matters.
 */

import type { Route } from "./config/environment.js";

/** The route of `key`, or undefined when no route's prefix matches it. */
export function routeFor(key: string, routes: readonly Route[]): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    if (key.startsWith(route.prefix) && route.prefix.length >= (best?.prefix.length ?? -1)) {
      best = route;
    }
  }
  return best;
}
