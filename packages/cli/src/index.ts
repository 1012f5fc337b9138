/**
 * phonemic — the command-line tool. Programmatic use:
 *
 * @example
 * import { loadConfig, runListen } from "phonemic";
 * const loaded = await loadConfig("phonemic.config.json");
 * const { result, stats } = await runListen(loaded, { once: true, logger, signal });
 */
export { loadConfig, configSchema, pluginOptions, type PhonemicConfig, type LoadedConfig } from "./config.js";
export { runListen, choosePlugins, importerFor } from "./wiring.js";
