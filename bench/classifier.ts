/**
 * Benchmark 5: classifyMessage throughput over a realistic mix (every real message of the message catalog,
 * test/diagnosis/message/catalog/: the messages it explains and the traps that must stay unknown, weighted towards the
 * incident's own Calico Unauthorized form as a stuck cluster's event list is), and the worst case on 64 KB adversarial
 * inputs built to defeat naive scanning.
 */
import { classifyMessage } from "../src/diagnosis/index.ts";
import { CATALOG, TRAPS } from "../test/diagnosis/message/catalog/index.ts";
import { type Summary, summarize } from "./lib/stats.ts";

export interface ClassifierResult {
  corpus: { messages: number; explained: number; traps: number; meanChars: number; unknownShare: number };
  throughputPerSec: Summary;
  adversarial: { name: string; chars: number; worstMs: number; medianMs: number }[];
  worstAdversarialMs: number;
}

/** The catalog's real messages: those it explains, then the traps. */
export function loadRealMessages(): { messages: string[]; explained: number; traps: number } {
  return {
    messages: [...CATALOG, ...TRAPS].map((e) => e.message),
    explained: CATALOG.length,
    traps: TRAPS.length,
  };
}

const KB64 = 64 * 1024;
const fill = (unit: string, size = KB64) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Inputs aimed at quadratic scans and backtracking: repeated prefixes with no closing, long runs, odd Unicode. */
export function adversarialInputs(): { name: string; text: string }[] {
  const sandbox = "Failed to create pod sandbox: rpc error: code = Unknown desc = ";
  return [
    { name: "repeated 'plugin type=\"' without a close", text: fill('plugin type="') },
    { name: "repeated sandbox prefix", text: fill(sandbox) },
    { name: "repeated '(combined from similar events): '", text: fill("(combined from similar events): ") },
    { name: "open quotes: 'network for pod \"' ×n", text: fill('network for pod "') },
    {
      name: 'teardown pod "a_ without end',
      text: `${sandbox}networkPlugin cni failed to teardown pod "${fill("a_", KB64 - 200)}`,
    },
    {
      name: "64 KB of spaces then a real error",
      text: `${fill(" ", KB64 - 120)}error getting ClusterInformation: connection is unauthorized: Unauthorized`,
    },
    {
      name: "hex run (sandbox id scan)",
      text: `${sandbox}failed to setup network for sandbox "${fill("0123456789abcdef", KB64 - 100)}`,
    },
    { name: "nested brackets and colons", text: fill("[failed: [error: (plugin: ") },
    { name: "typographic quotes ×n", text: fill("“x” ") },
    { name: "astral and combining characters", text: fill("𝔘́ñ\u0301 ") },
    { name: "NUL and control characters", text: fill("\u0000\u001b[31m\r\n\t") },
    { name: "real message repeated to 64 KB", text: "" },
  ];
}

export function benchClassifier(options: { rounds: number; roundMs: number }): Promise<ClassifierResult> {
  return (async () => {
    const { messages: real, explained, traps } = loadRealMessages();
    if (real.length === 0) throw new Error("the message catalog is empty");
    const incident = real.find((m) => m.includes("connection is unauthorized")) ?? (real[0] as string);
    // A stuck cluster's event list is mostly one failure repeated: half the incident message, half everything else.
    const mix = real.flatMap((m) => [m, incident]);
    const unknown = real.filter((m) => classifyMessage(m).family === "unknown").length;

    for (let i = 0; i < 3; i++) for (const m of mix) classifyMessage(m); // warm-up
    const rates: number[] = [];
    let sink = 0;
    for (let r = 0; r < options.rounds; r++) {
      let count = 0;
      const started = performance.now();
      let elapsed = 0;
      while (elapsed < options.roundMs) {
        for (const m of mix) sink += classifyMessage(m).family.length;
        count += mix.length;
        elapsed = performance.now() - started;
      }
      rates.push((count / elapsed) * 1000);
    }
    if (sink === 0) throw new Error("classifier produced nothing");

    const inputs = adversarialInputs().map((a) => (a.text === "" ? { ...a, text: fill(`${incident} `) } : a));
    const adversarial = inputs.map(({ name, text }) => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        classifyMessage(text);
        times.push(performance.now() - started);
      }
      const s = summarize(times);
      return { name, chars: text.length, worstMs: s.max, medianMs: s.median };
    });
    return {
      corpus: {
        messages: real.length,
        explained,
        traps,
        meanChars: Math.round(real.reduce((a, m) => a + m.length, 0) / real.length),
        unknownShare: unknown / real.length,
      },
      throughputPerSec: summarize(rates),
      adversarial,
      worstAdversarialMs: Math.max(...adversarial.map((a) => a.worstMs)),
    };
  })();
}
