#!/usr/bin/env node
/**
 * The `phonemic` command. Exit codes: 0 done, 1 the job could not go on (phone unreachable with
 * --once, device error), 2 bad usage or config.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { describeError, ErrorName, isError } from "@phonemic/core";
import { demoCommand } from "./commands/demo.js";
import { impairCommand } from "./commands/impair.js";
import { listenCommand } from "./commands/listen.js";
import { sendCommand } from "./commands/send.js";

function number(name: string, min = -Infinity) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number${min > -Infinity ? ` ≥ ${min}` : ""}`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command("phonemic")
    .description("Use a phone as a Linux microphone: receive its audio and play it into the ALSA loopback card.")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("listen")
    .description("receive a phone's audio as the config says, and play it (the main job)")
    .option("-c, --config <file>", "config file (default: searched from the current folder)")
    .option("--once", "end when the phone ends the stream instead of waiting for it again")
    .option("--duration <seconds>", "stop after this many seconds", number("--duration", 0))
    .option("--stats <file|->", "write statistics as JSON to a file, or - for stdout")
    .option("-v, --verbose", "say more")
    .action(async (flags) => {
      process.exitCode = await listenCommand(flags);
    });

  program
    .command("send")
    .description("be the phone: stream a WAV file or a tone with a phone app's protocol (for tests and demos)")
    .addOption(new Option("--protocol <name>", "wire protocol").choices(["womic", "androidmic"]).makeOptionMandatory())
    .option("--host <address>", "womic: address to listen on; androidmic: the PC to dial")
    .option("--port <port>", "womic: TCP port to listen on (8125); androidmic: PC port (54345)", number("--port", 0))
    .addOption(new Option("--via <link>", "androidmic: tcp or udp").choices(["tcp", "udp"]).default("tcp"))
    .option("--wav <file>", "WAV file to send (any rate and channel count)")
    .option("--tone <hz>", "send a sine tone instead of a file", number("--tone", 1))
    .option("--duration <seconds>", "how long to send a tone, or stop a file early", number("--duration", 0))
    .addOption(new Option("--format <encoding>", "androidmic: sample encoding").choices(["u8", "s16", "s24", "s32", "f32"]).default("s16"))
    .option("--rate <hz>", "androidmic: sample rate", number("--rate", 8000), 48000)
    .option("--channels <n>", "androidmic: 1 or 2", number("--channels", 1), 1)
    .option("--clock-skew <ppm>", "run the sender's clock this many ppm fast (+) or slow (-)", number("--clock-skew"), 0)
    .option("--udp-to <host:port>", "womic: send audio datagrams here instead of to the client (e.g. through `phonemic impair`)")
    .option("--keep-serving", "womic: serve client after client instead of stopping after one")
    .option("-v, --verbose", "say more")
    .action(async (flags) => {
      process.exitCode = await sendCommand(flags);
    });

  program
    .command("demo")
    .description("the main job with nothing to set up: a built-in phone emulator streams speech on 127.0.0.1")
    .option("--out <file.wav>", "WAV file to write when there is no loopback card", "phonemic-demo.wav")
    .option("--stats <file|->", "write statistics as JSON to a file, or - for stdout")
    .option("-v, --verbose", "say more")
    .action(async (flags) => {
      process.exitCode = await demoCommand(flags);
    });

  program
    .command("impair")
    .description("a UDP proxy that loses, delays, reorders and duplicates packets (to test a bad Wi-Fi)")
    .requiredOption("--listen <host:port>", "where the sender sends")
    .requiredOption("--target <host:port>", "where to forward")
    .option("--loss <percent>", "random loss", number("--loss", 0), 0)
    .option("--burst <packets>", "packets lost together each time a loss happens", number("--burst", 1), 1)
    .option("--jitter <ms>", "random extra delay per packet", number("--jitter", 0), 0)
    .option("--delay <ms>", "base delay", number("--delay", 0), 0)
    .option("--reorder <percent>", "packets held back so later ones overtake them", number("--reorder", 0), 0)
    .option("--duplicate <percent>", "packets sent twice", number("--duplicate", 0), 0)
    .option("--burst-delivery <ms>", "hold packets and release them together every N ms", number("--burst-delivery", 0), 0)
    .option("--seed <n>", "random seed", number("--seed"), 1)
    .option("--duration <seconds>", "stop after this many seconds", number("--duration", 0))
    .action(async (flags) => {
      process.exitCode = await impairCommand(flags);
    });

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`phonemic: ${describeError(err)}\n`);
    return isError(err, ErrorName.Config) || isError(err, ErrorName.Plugin) ? 2 : 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
