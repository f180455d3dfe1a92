// The resolve hook node-path-hook.mjs registers (it runs on Node's hooks thread).
//
// Node resolves first. Only when it cannot find a bare specifier ('pkg', '@scope/pkg', 'pkg/sub') is each NODE_PATH
// folder tried in order, as CommonJS's require does. A folder is searched by resolving the specifier as if it were
// imported from a module inside that folder's parent, so Node's own package rules (package.json "exports" with the
// "import" condition, "main", subpaths) still apply; the result is kept only if it lies inside that folder, so a
// package that merely sits in a parent's node_modules is not picked up by mistake.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let folders = [];

export function initialize(data) {
  folders = (data?.nodePath ?? "").split(path.delimiter).filter((folder) => folder.length > 0);
}

function isBare(specifier) {
  return !(specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/")
    || specifier.startsWith("node:") || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier));
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier)) {
      throw error;
    }
    for (const folder of folders) {
      // Node looks for <dir>/node_modules/<pkg> from a module in <dir>: to search <folder>/<pkg>, import from a
      // (nonexistent) module in a folder whose node_modules is <folder>. That works when <folder> is named
      // node_modules, which every NODE_PATH entry that holds packages is (/opt/nodejs/node_modules, …).
      if (path.basename(folder) !== "node_modules") {
        continue;
      }
      const parentURL = pathToFileURL(path.join(path.dirname(folder), "[node-path]")).href;
      try {
        const found = await nextResolve(specifier, { ...context, parentURL });
        if (found.url.startsWith("file:") && fileURLToPath(found.url).startsWith(folder + path.sep)) {
          return found;
        }
      } catch {
        // not in this folder: try the next one
      }
    }
    throw error;
  }
}
