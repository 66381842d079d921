/**
 * The diagnosis cards this process posted, in memory: the diagnosis behind each card (for its Details and Fix…
 * buttons), its thread, and the parent message whose status the card's work keeps current. A card is what lets
 * `fix` in the same thread, minutes later, post only the plan instead of the whole diagnosis again. After a restart a
 * card (or on another replica) its buttons diagnose again: nothing here is the record, the cluster is.
 */
import { randomBytes } from "node:crypto";
import type { Diagnosis } from "../../diagnosis/index.ts";
import type { ParentStatus } from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import type { ThreadRef } from "../messenger.ts";

/** How long a card's diagnosis is fresh enough to plan from without diagnosing again. */
export const CARD_FRESH_MS = 5 * 60_000;
const MAX_CARDS = 200;

/** The message at the top of the work (the channel's parent, or the first reply in a thread) and how to redraw it. */
export interface ParentRef {
  channel: string;
  ts: string;
  /** Re-renders it with a new status (the request words, who asked and the cluster stay as posted). */
  render: (status: ParentStatus) => Message;
}

export interface DiagnosisCard {
  id: string;
  cluster: string;
  diagnosis: Diagnosis;
  thread: ThreadRef;
  /** Absent for a card another replica (or an earlier start) posted: its parent's content is not known here. */
  parent?: ParentRef;
  postedAt: number;
  /** The run proposed from this card's Fix…, so a second click points at it instead of proposing again. */
  proposedRunId?: string;
}

export class DiagnosisCards {
  readonly #cards = new Map<string, DiagnosisCard>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  static newId(): string {
    return `card-${randomBytes(6).toString("hex")}`;
  }

  add(card: Omit<DiagnosisCard, "postedAt">): DiagnosisCard {
    const full = { ...card, postedAt: this.#now() };
    this.#cards.set(card.id, full);
    if (this.#cards.size > MAX_CARDS) this.#cards.delete(this.#cards.keys().next().value as string);
    return full;
  }

  get(id: string): DiagnosisCard | undefined {
    return this.#cards.get(id);
  }

  isFresh(card: DiagnosisCard): boolean {
    return this.#now() - card.postedAt < CARD_FRESH_MS;
  }

  /**
   * The newest fresh card in a thread for the same cluster and scope: a `fix` there plans from it. A card for another
   * namespace or node does not count (its evidence is about other pods).
   */
  freshIn(thread: ThreadRef, cluster: string, scope: Diagnosis["scope"]): DiagnosisCard | undefined {
    const matches = [...this.#cards.values()].filter(
      (c) =>
        c.thread.channel === thread.channel &&
        c.thread.threadTs === thread.threadTs &&
        c.cluster === cluster &&
        (c.diagnosis.scope.namespace ?? null) === (scope.namespace ?? null) &&
        (c.diagnosis.scope.node ?? null) === (scope.node ?? null) &&
        this.isFresh(c),
    );
    return matches.at(-1);
  }
}
