import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Which proxy a request to the portal goes through: an explicit proxy URL (with credentials),
 * none, or the usual environment variables, read the way curl reads them:
 *
 * - `https_proxy` / `HTTPS_PROXY` for https URLs, falling back to the HTTP proxy;
 * - `http_proxy` / `HTTP_PROXY` for http URLs (lower case first);
 * - `no_proxy` / `NO_PROXY`: comma- or space-separated entries; `*` matches everything; a host
 *   name matches itself and its subdomains (`example.com`, `.example.com`); `*.example.com` only
 *   subdomains; an IP address matches exactly; an IPv4 CIDR (`10.0.0.0/8`) matches its range;
 *   `host:port` only that port.
 *
 * A proxy URL without scheme (`proxy.example:3128`, common in these variables) means `http://`.
 */

export interface ProxyChoice {
  url: URL;
  /** Where it came from: "option" or the variable's name, for log lines. */
  source: string;
}

export interface ProxySettings {
  /** A proxy URL (credentials allowed: `http://user:pass@proxy:3128`); false: never a proxy; undefined: the environment. */
  proxy?: string | false | undefined;
  /** The environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
}

export function parseProxyUrl(text: string): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TypeError(`proxy URL must be http:// or https://, got ${url.protocol}`);
  return url;
}

/** The proxy for `target`, or undefined for a direct connection. */
export function chooseProxy(target: URL, settings: ProxySettings): ProxyChoice | undefined {
  if (settings.proxy === false) return undefined;
  if (typeof settings.proxy === "string") return { url: parseProxyUrl(settings.proxy), source: "option" };
  const env = settings.env ?? process.env;
  const pick = (...names: string[]) => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return { name, value };
    }
    return undefined;
  };
  const http = pick("http_proxy", "HTTP_PROXY");
  const found = target.protocol === "https:" ? (pick("https_proxy", "HTTPS_PROXY") ?? http) : http;
  if (!found) return undefined;
  const noProxy = pick("no_proxy", "NO_PROXY")?.value ?? "";
  if (bypassesProxy(target, noProxy)) return undefined;
  return { url: parseProxyUrl(found.value), source: found.name };
}

/** Whether `target` matches a NO_PROXY list (rules in the module header). */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const port = Number(target.port) || (target.protocol === "https:" ? 443 : 80);
  for (const raw of noProxy.split(/[\s,]+/)) {
    if (!raw) continue;
    if (raw === "*") return true;
    let entry = raw.toLowerCase();
    let entryPort = 0;
    const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1] ?? "";
      entryPort = Number(bracketed[2] ?? 0);
    } else if (!isIPv6(entry)) {
      const withPort = /^(.+):(\d+)$/.exec(entry);
      if (withPort) {
        entry = withPort[1] ?? "";
        entryPort = Number(withPort[2]);
      }
    }
    if (entryPort && entryPort !== port) continue;
    if (entry.includes("/")) {
      const [network, bits] = entry.split("/");
      const prefix = Number(bits);
      if (
        network &&
        isIPv4(network) &&
        isIPv4(host) &&
        Number.isInteger(prefix) &&
        prefix >= 0 &&
        prefix <= 32
      ) {
        const list = new BlockList();
        list.addSubnet(network, prefix, "ipv4");
        if (list.check(host, "ipv4")) return true;
      }
      continue;
    }
    if (entry.startsWith("*.")) {
      if (host.endsWith(entry.slice(1))) return true;
      continue;
    }
    const name = entry.replace(/^\./, "").replace(/\.$/, "");
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}
