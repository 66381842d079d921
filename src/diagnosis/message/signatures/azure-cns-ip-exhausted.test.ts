import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("azure-cns-ip-exhausted", () => {
  it("CNS out of IPs is IP exhaustion, not an agent failure", () => {
    // MicrosoftDocs/architecture-center#4402 (AKS network troubleshooting guide, line breaks joined)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox 'ac1b1354613465324654c1588ac64f1a756aa32f14732246ac4132133ba21364': plugin type='azure-vnet' failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: not enough IPs available for 9c6a7f37-dd43-4f7c-a01f-1ff41653609c, waiting on Azure CNS to allocate more with NC Status: , IP config request is [IPConfigRequest: DesiredIPAddress , PodInterfaceID a1876957-eth0, InfraContainerID a1231464635654a123646565456cc146841c1313546a515432161a45a5316541, OrchestratorContext {'PodName':'a_podname','PodNamespace':'my_namespace'}]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "azure",
      phase: "add",
      signature: "azure-cns-ip-exhausted",
    });
  });
});
