import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("calico-ipam-exhausted", () => {
  it("containerd", () => {
    // Constructed: no public issue with the full event was found. The plugin error is assembled from Calico's own
    // source (cni-plugin ipam: "failed to request IPv4 addresses: %w" around libcalico-go's partial-fulfilment error
    // "Assigned 0 out of 1 requested IPv4 addresses; No IPs available in pools: [...]"), the wrapper from calico#9215.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): failed to request IPv4 addresses: Assigned 0 out of 1 requested IPv4 addresses; No IPs available in pools: [10.244.0.0/28]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "calico",
      phase: "add",
      runtime: "containerd",
      signature: "calico-ipam-exhausted",
    });
  });
});
