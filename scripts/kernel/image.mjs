// Builds and caches the test VM: Debian's stock kernel, a busybox initramfs and a small
// Debian root disk with the host's node in it. Nothing is installed on the host.
//
//   .cache/kernel/image/   vmlinux  initrd.img  root.img  stamp.json   (the cached VM)
//   .cache/kernel/debs/    packages debootstrap fetched (kept, so a rebuild does not refetch)
//   .cache/kernel/build/   scratch, removed after a build
//
// The image is rebuilt when its key changes: a hash of this file, the initramfs init, the
// kernel package version apt offers and the host's node binary (size and time stamp).
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join, dirname, basename } from "node:path";

/** Debian packages of the guest root, on top of debootstrap's minbase. */
export const PACKAGES = [
  "alsa-utils", "libasound2", "kmod", "procps", "iproute2", "dbus", "bluez",
  "bluez-test-tools", "libbluetooth3", "usbutils", "libusb-1.0-0",
];
/** Modules loaded by the initramfs, before the root disk and the repo share can be mounted. */
export const BOOT_MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4", "9p", "9pnet_virtio"];
/**
 * Modules a test may ask for, with their dependencies; every other module is left out. A
 * name ending in "/" keeps a whole directory: the kernel loads crypto on demand (Bluetooth
 * pairing needs cmac, ECDH and a DRBG), which modules.dep does not show.
 */
export const TEST_MODULES = [
  "snd-aloop",
  "configfs", "dummy_hcd", "libcomposite", "usb_f_fs",
  "bluetooth", "hci_vhci", "rfcomm", "bnep",
  "kernel/crypto/", "kernel/lib/crypto/",
];
const SUITE = "bookworm";
const NODE = fs.existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath;
const here = dirname(new URL(import.meta.url).pathname);

const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
const sha256 = (data) => createHash("sha256").update(data).digest("hex");

/** The `linux-image-6.1.0-N-amd64` package apt would install today, and its version. */
export function kernelPackage() {
  if (process.env.KERNEL_TEST_KERNEL) return { name: process.env.KERNEL_TEST_KERNEL, version: "pinned" };
  const ask = () => {
    try {
      return run("apt-cache", ["show", "--no-all-versions", "linux-image-amd64"])
        .match(/^Depends:.*?(linux-image-6\.1\.0-\d+-amd64) \(= ([^)]+)\)/m);
    } catch { return null; }
  };
  let m = ask();
  if (!m) { run("apt-get", ["update"]); m = ask(); }
  if (!m) throw new Error("apt offers no linux-image-6.1.0-*-amd64: check /etc/apt/sources.list*, or set KERNEL_TEST_KERNEL");
  return { name: m[1], version: m[2] };
}

/** The Debian mirror serving `bookworm` in the host's apt sources (deb822 or one-line). */
export function debianMirror() {
  if (process.env.KERNEL_TEST_MIRROR) return process.env.KERNEL_TEST_MIRROR;
  const files = ["/etc/apt/sources.list"];
  const dir = "/etc/apt/sources.list.d";
  if (fs.existsSync(dir)) files.push(...fs.readdirSync(dir).sort().map((f) => join(dir, f)));
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    for (const para of text.split(/\n\s*\n/)) {
      const uri = para.match(/^URIs:\s*(\S+)/m)?.[1];
      const suites = para.match(/^Suites:\s*(.*)$/m)?.[1].split(/\s+/) ?? [];
      if (uri && suites.includes(SUITE) && /^Types:.*\bdeb\b/m.test(para)) return uri;
    }
    for (const line of text.split("\n")) {
      const m = line.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
      if (m && m[2] === SUITE) return m[1];
    }
  }
  return "http://deb.debian.org/debian";
}

/** Paths of the cached image's files. */
export function imagePaths(cacheDir) {
  const dir = join(cacheDir, "image");
  return { dir, kernel: join(dir, "vmlinux"), initrd: join(dir, "initrd.img"), root: join(dir, "root.img"), stamp: join(dir, "stamp.json") };
}

/** The cache key of an image built from the current sources, kernel package and node. */
export function imageKey(kernel) {
  const node = fs.statSync(NODE);
  return sha256([
    fs.readFileSync(new URL(import.meta.url)), fs.readFileSync(join(here, "initrd-init.sh")),
    PACKAGES.join(","), BOOT_MODULES.join(","), TEST_MODULES.join(","),
    kernel.name, kernel.version, `${NODE} ${node.size} ${node.mtimeMs}`,
  ].join("\n")).slice(0, 16);
}

/** Module files (paths under lib/modules/VER) needed for `names`, dependencies first. */
function resolveModules(modDir, names) {
  const deps = new Map();
  for (const line of fs.readFileSync(join(modDir, "modules.dep"), "utf8").split("\n")) {
    const [file, rest] = line.split(":");
    if (file) deps.set(file, rest.trim() ? rest.trim().split(/\s+/) : []);
  }
  const byName = new Map([...deps.keys()].map((f) => [basename(f, ".ko").replace(/-/g, "_"), f]));
  const order = [];
  const visit = (file) => {
    if (order.includes(file)) return;
    for (const dep of [...deps.get(file)].reverse()) visit(dep);
    order.push(file);
  };
  for (const name of names) {
    if (name.endsWith("/")) {
      for (const file of deps.keys()) if (file.startsWith(name)) visit(file);
      continue;
    }
    const file = byName.get(name.replace(/-/g, "_"));
    if (file) visit(file);
    else if (!fs.readFileSync(join(modDir, "modules.builtin"), "utf8").includes(`/${name}.ko`))
      throw new Error(`module ${name} is neither in the kernel package nor built in`);
  }
  return order;
}

/** Builds the image into `cacheDir/image`; `log` receives progress lines. */
export function buildImage({ cacheDir, kernel, key, log }) {
  if (process.getuid?.() !== 0) throw new Error("building the VM image needs root (debootstrap, chroot): run once as root");
  const build = join(cacheDir, "build");
  const debs = join(cacheDir, "debs");
  fs.rmSync(build, { recursive: true, force: true });
  fs.mkdirSync(join(build, "out"), { recursive: true });
  fs.mkdirSync(debs, { recursive: true });

  log(`fetching ${kernel.name} ${kernel.version}`);
  run("apt-get", ["download", "-o", "APT::Sandbox::User=root", kernel.name], { cwd: build });
  const deb = fs.readdirSync(build).find((f) => f.endsWith(".deb"));
  const kx = join(build, "kernel");
  run("dpkg-deb", ["-x", join(build, deb), kx]);
  const version = fs.readdirSync(join(kx, "lib/modules"))[0];
  run("depmod", ["-b", kx, version]);
  const kmods = join(kx, "lib/modules", version);

  const mirror = debianMirror();
  log(`debootstrap ${SUITE} minbase from ${mirror}`);
  const rootfs = join(build, "rootfs");
  run("debootstrap", ["--variant=minbase", `--cache-dir=${debs}`, `--include=${PACKAGES.join(",")}`, SUITE, rootfs, mirror]);

  log(`copying ${NODE} into the root and checking it runs there`);
  fs.copyFileSync(NODE, join(rootfs, "usr/local/bin/node"));
  fs.chmodSync(join(rootfs, "usr/local/bin/node"), 0o755);
  const missing = run("chroot", [rootfs, "ldd", "/usr/local/bin/node"]).split("\n").filter((l) => l.includes("not found"));
  if (missing.length) throw new Error(`node misses libraries in the guest root:\n${missing.join("\n")}`);
  run("chroot", [rootfs, "/usr/bin/env", "-i", "/usr/local/bin/node", "-e", "process.exit(0)"]);

  log("installing the needed kernel modules");
  const keep = resolveModules(kmods, [...BOOT_MODULES, ...TEST_MODULES]);
  const guestMods = join(rootfs, "lib/modules", version);
  for (const file of keep) {
    fs.mkdirSync(dirname(join(guestMods, file)), { recursive: true });
    fs.copyFileSync(join(kmods, file), join(guestMods, file));
  }
  for (const f of ["modules.order", "modules.builtin", "modules.builtin.modinfo"]) fs.copyFileSync(join(kmods, f), join(guestMods, f));
  run("depmod", ["-b", rootfs, version]);

  for (const p of ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/cache/apt", "var/lib/apt/lists"])
    fs.rmSync(join(rootfs, p), { recursive: true, force: true });
  fs.mkdirSync(join(rootfs, "repo"));
  fs.writeFileSync(join(rootfs, "etc/hostname"), "phonemic-vm\n");

  log("making the root disk");
  const out = join(build, "out");
  const kib = Number(run("du", ["-sk", rootfs]).split("\t")[0]);
  const mib = Math.ceil((kib * 1.2) / 1024) + 128;
  run("mke2fs", ["-q", "-t", "ext4", "-L", "root", "-d", rootfs, join(out, "root.img"), `${mib}M`]);

  log("making the initramfs");
  const ird = join(build, "initrd");
  for (const d of ["bin", "lib/modules", "proc", "sys", "dev", "newroot"]) fs.mkdirSync(join(ird, d), { recursive: true });
  fs.copyFileSync(busybox(), join(ird, "bin/busybox"));
  fs.chmodSync(join(ird, "bin/busybox"), 0o755);
  fs.copyFileSync(join(here, "initrd-init.sh"), join(ird, "init"));
  fs.chmodSync(join(ird, "init"), 0o755);
  const boot = resolveModules(kmods, BOOT_MODULES);
  for (const file of boot) fs.copyFileSync(join(kmods, file), join(ird, "lib/modules", basename(file)));
  fs.writeFileSync(join(ird, "boot-modules"), boot.map((f) => basename(f, ".ko")).join("\n") + "\n");
  execFileSync("sh", ["-c", 'find . | "$0" cpio -o -H newc 2>/dev/null | gzip -1 >"$1"', join(ird, "bin/busybox"), join(out, "initrd.img")], { cwd: ird });
  fs.writeFileSync(join(out, "vmlinux"), unpackKernel(join(kx, "boot", `vmlinuz-${version}`)));

  const stamp = { key, kernel: `${kernel.name} ${kernel.version}`, release: version, node: run(NODE, ["--version"]).trim(),
    modules: keep.map((f) => basename(f, ".ko")), rootMiB: mib, builtAt: new Date().toISOString() };
  fs.writeFileSync(join(out, "stamp.json"), JSON.stringify(stamp, null, 2) + "\n");
  const { dir } = imagePaths(cacheDir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(out, dir);
  fs.rmSync(build, { recursive: true, force: true });
  return stamp;
}

/** A statically linked busybox (the initramfs has no libc). */
function busybox() {
  for (const path of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (fs.existsSync(path) && spawnSync("ldd", [path], { encoding: "utf8" }).status !== 0) return path;
  }
  throw new Error("no static busybox: apt-get install busybox-static");
}

/**
 * The kernel ELF inside Debian's bzImage. QEMU boots it through its PVH entry point, which
 * skips the self-decompression that takes seconds under TCG. Falls back to the bzImage.
 */
function unpackKernel(bzImage) {
  const image = fs.readFileSync(bzImage);
  const at = image.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])); // xz magic
  if (at >= 0) {
    const r = spawnSync("xz", ["-dc"], { input: image.subarray(at), maxBuffer: 1 << 30 });
    if (r.stdout?.subarray(0, 4).toString("latin1") === "\x7fELF") return r.stdout;
  }
  return image;
}
