/**
 * Runtime fault injection for tests: rules match requests by method, path prefix, resource and verb, and either fail
 * them with a status code, delay them, drop watch streams after a while, or expire continue tokens. A rule with
 * `times` retires itself after that many matches.
 */
export interface FaultMatch {
  method?: string;
  pathPrefix?: string;
  /** Resource plural, e.g. "pods". */
  resource?: string;
  /** Kubernetes verb: get list watch create update patch delete deletecollection. */
  verb?: string;
}

export interface FaultRule extends FaultMatch {
  /** Answer with this HTTP status (a Status object with the matching reason) instead of serving the request. */
  status?: number;
  message?: string;
  /** Wait this long before serving (or failing) the request. */
  delayMs?: number;
  /** For watches: drop the connection this long after it opens. */
  dropWatchAfterMs?: number;
  /** For lists with a continue token: answer 410 Expired as if the token's version had been compacted. */
  expireContinue?: boolean;
  /** For watches: answer as if the version to resume from had been compacted (an ERROR event with 410 Expired). */
  expireWatch?: boolean;
  /**
   * For `pods/exec`: cut the stream before the command runs (nothing changed) or after it ran but before its exit
   * status was sent (its changes made), like an agent pod evicted or a connection lost mid-command.
   */
  dropExec?: "before-running" | "after-running";
  /** With dropExec: only for this program (the command's first word, without its directory). */
  program?: string;
  /** Retire the rule after this many matching requests. */
  times?: number;
}

export interface FaultRequest {
  method: string;
  path: string;
  resource?: string | undefined;
  verb?: string | undefined;
  hasContinue?: boolean;
  /** The `resourceVersion` query parameter, as sent. */
  resourceVersion?: string | undefined;
  /** For `pods/exec`: the command, as sent. */
  command?: string[];
}

/** What the matching rules ask for, merged: the first failing status wins, delays add up. */
export interface FaultEffect {
  status?: number;
  message?: string;
  delayMs: number;
  dropWatchAfterMs?: number;
  expireContinue: boolean;
  expireWatch: boolean;
  dropExec?: "before-running" | "after-running";
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  remaining: number;
  hits: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const id = this.nextId++;
    this.rules.push({ id, rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, hits: 0 });
    return () => this.remove(id);
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }

  /** Applies the rules to one request, consuming their `times` budget. */
  evaluate(req: FaultRequest): FaultEffect | undefined {
    let effect: FaultEffect | undefined;
    for (const active of this.rules) {
      const r = active.rule;
      if (r.method && r.method.toUpperCase() !== req.method.toUpperCase()) continue;
      if (r.pathPrefix && !req.path.startsWith(r.pathPrefix)) continue;
      if (r.resource && r.resource !== req.resource) continue;
      if (r.verb && r.verb !== req.verb) continue;
      // A continue-expiry rule only spends itself on requests that carry a continue token.
      if (r.expireContinue && !req.hasContinue && r.status === undefined && r.delayMs === undefined) continue;
      if (r.dropExec !== undefined && req.command === undefined) continue;
      if (r.program !== undefined && r.program !== req.command?.[0]?.split("/").at(-1)) continue;
      if (
        (r.dropWatchAfterMs !== undefined || r.expireWatch) &&
        req.verb !== "watch" &&
        r.status === undefined &&
        r.delayMs === undefined
      )
        continue;
      active.remaining--;
      active.hits++;
      effect ??= { delayMs: 0, expireContinue: false, expireWatch: false };
      if (r.status !== undefined && effect.status === undefined) {
        effect.status = r.status;
        if (r.message !== undefined) effect.message = r.message;
      }
      effect.delayMs += r.delayMs ?? 0;
      if (r.dropWatchAfterMs !== undefined) effect.dropWatchAfterMs = r.dropWatchAfterMs;
      if (r.expireContinue) effect.expireContinue = true;
      if (r.expireWatch) effect.expireWatch = true;
      if (r.dropExec !== undefined) effect.dropExec = r.dropExec;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return effect;
  }
}
