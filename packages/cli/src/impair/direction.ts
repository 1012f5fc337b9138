/** One direction of the proxy: its plan plus the counters only the socket side knows. */
import type { Socket } from "node:dgram";
import type { ImpairPlan } from "./plan.js";

/** A client of the proxy and the socket that speaks to the target on its behalf. */
export interface Session {
  address: string;
  port: number;
  socket: Socket;
  /** False once the socket is closed; datagrams still queued for it are discarded. */
  open: boolean;
}

/** A datagram in flight through the proxy. */
export interface Packet {
  data: Buffer;
  session: Session;
}

/** Counters of one direction. Indices are arrival numbers, from 0; only the latest 4096 are kept. */
export interface DirectionStats {
  /** Datagrams that arrived. */
  received: number;
  /** Datagrams sent on, duplicate copies included. */
  forwarded: number;
  dropped: number;
  duplicated: number;
  /** Held back until later ones overtook them (reordering by jitter is not counted). */
  reordered: number;
  /** Accepted but not sent yet (delayed, held, or waiting for a delivery burst). */
  pending: number;
  droppedIndices: number[];
  duplicatedIndices: number[];
  reorderedIndices: number[];
}

export class Direction {
  private queued = 0;
  private settled = 0;
  private forwarded = 0;

  constructor(
    readonly plan: ImpairPlan<Packet>,
    private readonly send: (p: Packet) => boolean,
  ) {}

  /** A queue entry that sends `p` and counts it. */
  job(p: Packet): () => void {
    this.queued++;
    return () => {
      this.settled++;
      if (this.send(p)) this.forwarded++;
    };
  }

  stats(): DirectionStats {
    const { plan } = this;
    return {
      received: plan.received,
      forwarded: this.forwarded,
      dropped: plan.dropped.total,
      duplicated: plan.duplicated.total,
      reordered: plan.reordered.total,
      pending: this.queued - this.settled + plan.heldCount,
      droppedIndices: plan.dropped.list(),
      duplicatedIndices: plan.duplicated.list(),
      reorderedIndices: plan.reordered.list(),
    };
  }
}
