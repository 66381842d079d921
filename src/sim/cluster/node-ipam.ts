/** Hands out pod IPs from a node's podCIDR (IPv4), lowest free address first, skipping network and broadcast. */
export class PodIpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 1;

  constructor(cidr: string) {
    const [address, bitsText] = cidr.split("/");
    const bits = Number(bitsText);
    const octets = (address ?? "").split(".").map(Number);
    if (
      octets.length !== 4 ||
      octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
      !(bits >= 8 && bits <= 30)
    ) {
      throw new Error(`invalid podCIDR "${cidr}": expected an IPv4 CIDR such as 192.168.1.0/24`);
    }
    const value = octets.reduce((n, o) => n * 256 + o, 0);
    this.size = 2 ** (32 - bits);
    this.base = value - (value % this.size);
  }

  allocate(): string {
    for (let tries = 0; tries < this.size - 2; tries++) {
      const offset = this.next;
      this.next = this.next >= this.size - 2 ? 1 : this.next + 1;
      if (!this.used.has(offset)) {
        this.used.add(offset);
        return toDotted(this.base + offset);
      }
    }
    throw new Error(
      `no IP addresses available in range set: ${toDotted(this.base)}-${toDotted(this.base + this.size - 1)}`,
    );
  }

  release(ip: string): void {
    const value = ip
      .split(".")
      .map(Number)
      .reduce((n, o) => n * 256 + o, 0);
    this.used.delete(value - this.base);
  }
}

function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
