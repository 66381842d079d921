/**
 * One Lease per cluster (coordination.k8s.io) in the bot's namespace: whoever holds it is the only runner changing
 * the cluster. Taken and renewed with compare-and-swap on resourceVersion; a holder that stops renewing (a killed
 * process) loses it after leaseDurationSeconds, and the next start reports its run as interrupted.
 */
import { KubeAccessError } from "../kube/errors.ts";
import { microTime } from "../kube/micro-time.ts";
import type { V1Lease } from "../kube/types.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import { MANAGED_BY } from "./journal.ts";

export const LEASE_NAME = "cni-doctor-remediation";
const RUN_ANNOTATION = "cni-doctor.io/run";

export interface LeaseHolder {
  holder: string;
  runId: string | null;
  /** When it lapses unless renewed. */
  expiresAt: Date;
}

export type AcquireResult = { acquired: true } | { acquired: false; heldBy: LeaseHolder };

export interface HeldLease {
  /** True once a renewal found another holder: the body must stop at its next step boundary. */
  lost(): boolean;
}

export interface LeaseHooks {
  /** A renewal failed (not lost): it is retried at the next tick, the lease lapsing only after its duration. */
  onRenewError(err: Error): void;
  /** Releasing failed: the next run waits until the lease lapses. */
  onReleaseError(err: Error): void;
}

export class ClusterLease {
  readonly #writer: ClusterWriter;
  readonly #namespace: string;
  readonly #durationSeconds: number;
  readonly #now: () => Date;
  readonly #name: string;

  /** `name`: another Lease with the same rules (the incident watch's `cni-doctor-incident-watch`). */
  constructor(
    writer: ClusterWriter,
    namespace: string,
    durationSeconds: number,
    now: () => Date,
    name: string = LEASE_NAME,
  ) {
    this.#writer = writer;
    this.#namespace = namespace;
    this.#durationSeconds = durationSeconds;
    this.#now = now;
    this.#name = name;
  }

  /** The current holder, or null when nobody holds a live lease. */
  async holder(): Promise<LeaseHolder | null> {
    const lease = await this.#writer.getLease(this.#namespace, this.#name);
    return lease ? liveHolder(lease, this.#now()) : null;
  }

  async acquire(holder: string, runId: string): Promise<AcquireResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#writer.getLease(this.#namespace, this.#name);
      const now = this.#now();
      if (current) {
        const live = liveHolder(current, now);
        if (live && live.holder !== holder) return { acquired: false, heldBy: live };
      }
      const body = this.#leaseBody(holder, runId, now, current);
      try {
        if (current) await this.#writer.replaceLease(this.#namespace, body);
        else await this.#writer.createLease(this.#namespace, body);
        return { acquired: true };
      } catch (err) {
        if (err instanceof KubeAccessError && err.failure === "conflict") continue;
        throw err;
      }
    }
    const live = await this.holder();
    return { acquired: false, heldBy: live ?? { holder: "unknown", runId: null, expiresAt: this.#now() } };
  }

  /**
   * Runs `body` while holding the lease, renewing it every third of its duration, and releases it however the body
   * ends. When another holder has it, `body` does not run.
   */
  async withLease<T>(
    holder: string,
    runId: string,
    hooks: LeaseHooks,
    body: (lease: HeldLease) => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false; heldBy: LeaseHolder }> {
    const taken = await this.acquire(holder, runId);
    if (!taken.acquired) return taken;
    let lost = false;
    const renewEvery = Math.max(200, (this.#durationSeconds * 1000) / 3);
    const renewal = setInterval(() => {
      this.renew(holder, runId).then(
        (ok) => {
          if (!ok) lost = true;
        },
        (err: unknown) => hooks.onRenewError(err as Error),
      );
    }, renewEvery);
    try {
      return { acquired: true, value: await body({ lost: () => lost }) };
    } finally {
      clearInterval(renewal);
      await this.release(holder).catch((err: unknown) => hooks.onReleaseError(err as Error));
    }
  }

  /** Renews; false when the lease was lost (another holder took it after it lapsed). */
  async renew(holder: string, runId: string): Promise<boolean> {
    const current = await this.#writer.getLease(this.#namespace, this.#name);
    if (!current || current.spec?.holderIdentity !== holder) return false;
    try {
      await this.#writer.replaceLease(this.#namespace, this.#leaseBody(holder, runId, this.#now(), current));
      return true;
    } catch (err) {
      if (err instanceof KubeAccessError && err.failure === "conflict") return false;
      throw err;
    }
  }

  async release(holder: string): Promise<void> {
    const current = await this.#writer.getLease(this.#namespace, this.#name);
    if (!current || current.spec?.holderIdentity !== holder) return;
    const spec = { ...current.spec, holderIdentity: undefined, renewTime: undefined, acquireTime: undefined };
    const annotations = { ...current.metadata?.annotations };
    delete annotations[RUN_ANNOTATION];
    try {
      await this.#writer.replaceLease(this.#namespace, {
        ...current,
        metadata: { ...current.metadata, annotations },
        spec,
      });
    } catch (err) {
      // Someone else holds it now: nothing of ours to release.
      if (!(err instanceof KubeAccessError && err.failure === "conflict")) throw err;
    }
  }

  #leaseBody(holder: string, runId: string, now: Date, current: V1Lease | null): V1Lease {
    const sameHolder = current?.spec?.holderIdentity === holder;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.#name,
        namespace: this.#namespace,
        labels: { ...MANAGED_BY },
        annotations: { ...current?.metadata?.annotations, [RUN_ANNOTATION]: runId },
        ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: this.#durationSeconds,
        // MicroTime fields: six fractional digits or kube-apiserver rejects the whole Lease (see micro-time.ts).
        // A Lease read back holds its times as the server's strings, whatever the generated type says.
        acquireTime: microTime(sameHolder && current?.spec?.acquireTime ? current.spec.acquireTime : now),
        renewTime: microTime(now),
        leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + (sameHolder ? 0 : 1),
      },
    };
  }
}

/** Who holds the lease now; null when nobody does or the holder stopped renewing. */
export function liveHolder(lease: V1Lease, now: Date): LeaseHolder | null {
  const holder = lease.spec?.holderIdentity;
  const renew = lease.spec?.renewTime;
  if (!holder || !renew) return null;
  const expiresAt = new Date(new Date(renew).getTime() + (lease.spec?.leaseDurationSeconds ?? 0) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return null;
  return { holder, runId: lease.metadata?.annotations?.[RUN_ANNOTATION] ?? null, expiresAt };
}
