/**
 * The PC's side of the WO MIC set-up, byte for byte as the original Linux client sends it:
 *
 *   PC -> phone                                   phone -> PC
 *   65 00000006 04 04 06 02 00 00  check version  65 00000002 00 04   (any 2-byte version)
 *   66 00000006 02 02 PPPPPPPP     set codec      66 00000001 00      (00 = OK)
 *                  |  |  `- our UDP port, u32 big-endian
 *                  |  `- sample-rate index 2 = 48000 Hz
 *                  `- codec 2 = Opus
 *   67 00000000                    start          67 00000001 00      (00 = OK)
 */
import type { Socket } from "node:net";
import { ErrorName, PhonemicError } from "@phonemic/core";
import { Inbox, type InboxFailure } from "./inbox.js";
import { abortError } from "./net.js";
import { CHECK_VERSION_BODY, encodeControl, hexBytes, MessageType, setCodecBody, type ControlMessage } from "./wire.js";

/** What the set-up learnt, and the control stream's state to carry on reading from. */
export interface HandshakeResult {
  /** The phone's version reply body (the app sends 00 04). */
  readonly version: Uint8Array;
  /** The inbox, detached; holds anything the phone sent after the start reply. */
  readonly inbox: Inbox;
}

interface Step {
  /** Name used in errors ("check version"). */
  readonly name: string;
  readonly type: number;
  readonly body: Uint8Array;
  /** Describes the reply this step accepts. */
  readonly expected: string;
  readonly accepts: (reply: ControlMessage) => boolean;
}

const okStatus = (type: number) => (m: ControlMessage) => m.type === type && m.body.length === 1 && m.body[0] === 0;

/** Runs check version, set codec and start on a connected socket; rejects with ProtocolError. */
export async function handshake(socket: Socket, udpPort: number, replyTimeoutMs: number, signal: AbortSignal, hint: string): Promise<HandshakeResult> {
  const steps: Step[] = [
    {
      name: "check version",
      type: MessageType.CheckVersion,
      body: CHECK_VERSION_BODY,
      expected: "type 101 with a 2-byte version",
      accepts: (m) => m.type === MessageType.CheckVersion && m.body.length === 2,
    },
    {
      name: "set codec",
      type: MessageType.SetCodec,
      body: setCodecBody(udpPort),
      expected: "type 102 with status 00",
      accepts: okStatus(MessageType.SetCodec),
    },
    { name: "start", type: MessageType.Start, body: new Uint8Array(0), expected: "type 103 with status 00", accepts: okStatus(MessageType.Start) },
  ];
  const inbox = new Inbox(socket);
  try {
    let version: Uint8Array = new Uint8Array(0);
    for (const step of steps) {
      inbox.beginStep();
      socket.write(encodeControl(step.type, step.body));
      const reply = await inbox.next(replyTimeoutMs, signal);
      if ("kind" in reply) throw stepFailure(step, reply, inbox.received, replyTimeoutMs, hint);
      if (!step.accepts(reply)) {
        throw new PhonemicError(
          ErrorName.Protocol,
          `WO MIC handshake failed at "${step.name}": expected a reply of ${step.expected}, received ${hexBytes(inbox.received)}`,
          { hint },
        );
      }
      if (step.type === MessageType.CheckVersion) version = reply.body;
    }
    return { version, inbox };
  } finally {
    inbox.detach();
  }
}

function stepFailure(step: Step, failure: InboxFailure, received: Uint8Array, timeoutMs: number, hint: string): PhonemicError {
  if (failure.kind === "aborted") return abortError("WO MIC handshake");
  const what = {
    closed: "the phone closed the connection",
    error: `the connection failed (${failure.kind === "error" ? failure.error.message : ""})`,
    malformed: `the reply is malformed (${failure.kind === "malformed" ? failure.reason : ""})`,
    timeout: `no complete reply within ${timeoutMs} ms`,
  }[failure.kind];
  return new PhonemicError(ErrorName.Protocol, `WO MIC handshake failed at "${step.name}": ${what}; received ${hexBytes(received)}`, {
    hint,
    cause: failure.kind === "error" ? failure.error : undefined,
  });
}
