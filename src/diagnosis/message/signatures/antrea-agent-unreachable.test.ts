import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("antrea-agent-unreachable", () => {
  it("containerd event", () => {
    // kubernetes/kubernetes#107127
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3d86404cbfedf687310a59c6ff4f6607263be0add828e0cb6da456512845c67b": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "antrea",
      phase: "add",
      runtime: "containerd",
      signature: "antrea-agent-unreachable",
    });
  });

  it("dockershim wording, as the issue title and body quote it", () => {
    // antrea-io/antrea#832
    const message = `NetworkPlugin cni failed to set up pod "pod_name" network: rpc error: code = Unavailable desc = all SubConns are in TransientFailure, latest connection error: connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "antrea",
      phase: "add",
      runtime: "dockershim",
    });
  });
});
