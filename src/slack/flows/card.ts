/**
 * The diagnosis card and its two buttons. The card is what the thread shows of a diagnosis (renderCard: at most 8
 * lines); Details posts the evidence, finding by finding, as thread replies on demand; Fix… proposes the plan in the
 * same thread from the card's diagnosis while it is fresh (from a new one after that). A card another replica posted
 * (or this process before a restart) is diagnosed again, and the thread says so, rather than guessing what it showed.
 */
import { diagnosisHeadline, renderCard, renderDiagnosis } from "../blocks/diagnosis.ts";
import { renderNotice } from "../blocks/messages.ts";
import { type Click, refuse } from "./clicks.ts";
import { diagnosisOf, workflowFor } from "./cluster-workflow.ts";
import { inBackground, openCluster, type SlackFlows } from "./context.ts";
import type { DiagnosisCard } from "./diagnosis-cards.ts";
import { proposeInThread } from "./propose.ts";
import { ThreadPosts } from "./thread-posts.ts";

/** Posts the card into its thread and remembers it for its buttons. */
export async function postCard(
  flows: SlackFlows,
  posts: ThreadPosts,
  card: Omit<DiagnosisCard, "postedAt">,
  fixable: boolean,
): Promise<void> {
  flows.cards.add(card);
  await posts.post(
    renderCard(card.diagnosis, { cardId: card.id, fixable }),
    `${card.id}:card`,
    "the diagnosis",
  );
}

/**
 * The card a click is on. A card this process does not know was posted by another replica (a button's click reaches
 * any of them) or before a restart: the channel's cluster is diagnosed again, whole, and the thread says which. Null when no cluster can be opened for the channel (the person was told why).
 */
async function cardOf(flows: SlackFlows, click: Click): Promise<DiagnosisCard | null> {
  const known = flows.cards.get(click.runId);
  if (known) return known;
  const thread = { channel: click.channel, threadTs: click.threadTs ?? click.messageTs };
  const cluster = await openCluster(flows, undefined, { user: click.user, ...thread, text: "" });
  if (!cluster) return null;
  const diagnosis = await diagnosisOf(cluster, {
    ...(flows.settings.diagnoseConcurrency ? { concurrency: flows.settings.diagnoseConcurrency } : {}),
  })({});
  await new ThreadPosts(flows, thread).post(
    renderNotice(
      `That card was posted by another cni-doctor replica or before a restart, so cluster ${cluster.name} (this channel's) was diagnosed again for it, whole.`,
    ),
    `${click.runId}:rediagnosed`,
    "that the cluster was diagnosed again",
  );
  return flows.cards.add({ id: click.runId, cluster: cluster.name, diagnosis, thread });
}

/**
 * What Details posts for a card, rendered once per card. On a large cluster rendering the findings and writing the
 * diagnosis as JSON take tens of milliseconds of the bot's one event loop, and people click Details more than once
 * (the Messenger posts each message once anyway); a repeat click costs only its ack.
 */
const detailsByCard = new WeakMap<
  DiagnosisCard,
  { rendered: ReturnType<typeof renderDiagnosis>; file?: string }
>();

function detailsOf(card: DiagnosisCard): {
  rendered: ReturnType<typeof renderDiagnosis>;
  file: () => string;
} {
  let details = detailsByCard.get(card);
  if (!details) {
    details = { rendered: renderDiagnosis(card.diagnosis) };
    detailsByCard.set(card, details);
  }
  const cached = details;
  return {
    rendered: cached.rendered,
    file: () => {
      cached.file ??= JSON.stringify(card.diagnosis, null, 2);
      return cached.file;
    },
  };
}

/** Details: the findings with their evidence, and the whole diagnosis as a file when the messages had to be cut. */
export function detailsClick(flows: SlackFlows, click: Click): void {
  inBackground(flows, "details", whereOf(click), async () => {
    const card = await cardOf(flows, click);
    if (!card) return;
    const posts = new ThreadPosts(flows, card.thread);
    const { rendered, file } = detailsOf(card);
    // The same keys on a second click: the Messenger posts each message once.
    if (card.diagnosis.errors.length > 0)
      await posts.post(rendered.summary, `${card.id}:summary`, "the checks that failed");
    for (const [i, finding] of rendered.findings.entries()) {
      await posts.post(finding, `${card.id}:finding:${i}`, `finding ${i + 1}`);
    }
    if (rendered.truncated) {
      await posts.attempt("the whole diagnosis as a file", () =>
        flows.messenger.attachIfPossible(
          card.thread,
          {
            filename: "diagnosis.json",
            title: "Full diagnosis",
            content: file(),
          },
          `${card.id}:diagnosis-file`,
          "The messages above are cut short; `cni-doctor diagnose --json` at a terminal gives the whole diagnosis.",
        ),
      );
    }
    await posts.reportLost(
      `${card.id}:details`,
      "`cni-doctor diagnose` at a terminal shows the whole diagnosis.",
    );
  });
}

/** Fix…: the plan for the card's diagnosis, in the card's thread, for an approver to decide on. */
export function fixClick(flows: SlackFlows, click: Click): void {
  const clickKey = `card-fix:${click.runId}`;
  if (flows.clicksInFlight.has(clickKey)) return;
  flows.clicksInFlight.add(clickKey);
  inBackground(flows, "card-fix", whereOf(click), async () => {
    try {
      const card = await cardOf(flows, click);
      if (!card) return;
      if (card.proposedRunId)
        return refuse(
          flows,
          click,
          `a plan from this diagnosis was already proposed (run ${card.proposedRunId}); it is in the thread, and \`/cni status\` lists it.`,
        );
      await proposeFromCard(flows, card, click.user);
    } finally {
      flows.clicksInFlight.delete(clickKey);
    }
  });
}

async function proposeFromCard(flows: SlackFlows, card: DiagnosisCard, user: string): Promise<void> {
  const cluster = await flows.clusters.open(card.cluster);
  if (!cluster.remediation) return;
  const diagnose = diagnosisOf(cluster, {
    ...(flows.settings.diagnoseConcurrency ? { concurrency: flows.settings.diagnoseConcurrency } : {}),
  });
  const scope = {
    ...(card.diagnosis.scope.namespace ? { namespace: card.diagnosis.scope.namespace } : {}),
    ...(card.diagnosis.scope.node ? { node: card.diagnosis.scope.node } : {}),
  };
  // A stale card is diagnosed again: a plan is made from what the cluster is now, not from what it was.
  const diagnosis = flows.cards.isFresh(card) ? card.diagnosis : await diagnose(scope);
  const posts = new ThreadPosts(flows, card.thread);
  const before = new Set(flows.plans.runIdsIn(card.thread));
  const waiting = await proposeInThread(flows, {
    cluster,
    workflow: workflowFor(cluster, cluster.remediation, { diagnose }),
    diagnosis,
    user,
    thread: card.thread,
    key: `${card.id}:fix`,
    posts,
    ...(card.parent ? { parent: card.parent } : {}),
  });
  const proposed = flows.plans.runIdsIn(card.thread).find((id) => !before.has(id));
  if (proposed) card.proposedRunId = proposed;
  const headline = diagnosisHeadline(diagnosis);
  if (card.parent)
    await posts.update(
      card.parent.ts,
      card.parent.render({ kind: waiting ? "planned" : "diagnosed", headline }),
      "the status at the top of the thread",
    );
  await posts.reportLost(
    `${card.id}:fix`,
    "`/cni status` lists the run; `cni-doctor fix --dry-run` shows its plan.",
  );
}

function whereOf(click: Click): { channel: string; threadTs?: string } {
  return { channel: click.channel, ...(click.threadTs ? { threadTs: click.threadTs } : {}) };
}
