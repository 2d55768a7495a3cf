// Offline validation of the Kubernetes manifests (run by scripts/k8s-validate): renders every kustomization under DIR
// with `kubectl kustomize`, checks each object against its OpenAPI schema (kubernetes-models, KEDA's from
// @kubernetes-models/keda) including unknown fields, and checks the API Deployment against the service itself.
// Usage: node validate.mjs --repo REPO DIR
// Prints one line per object and a final line; exits 1 when anything is wrong, 2 when it cannot run.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

const args = process.argv.slice(2);
const repoAt = args.indexOf("--repo");
if (repoAt < 0 || args.length !== 3) fatal("usage: node validate.mjs --repo REPO DIR");
const repo = path.resolve(args[repoAt + 1]);
const dir = path.resolve(args.filter((_, i) => i !== repoAt && i !== repoAt + 1)[0]);

function fatal(message) {
  console.log(`k8s-validate: ${message}`);
  process.exit(2);
}

// --- What the service says about itself, read from its source rather than repeated here ---------------------------

function serviceFacts() {
  const apiDir = path.join(repo, "src/Pix2Pix.Api");
  const health = [];
  for (const file of sourceFiles(apiDir)) {
    for (const m of readFileSync(file, "utf8").matchAll(/MapHealthChecks\(\s*"([^"]+)"/g)) {
      health.push({ path: m[1], file: path.relative(repo, file) });
    }
  }
  const live = health.find((h) => /live/.test(h.path));
  const ready = health.find((h) => /ready/.test(h.path));
  if (!live || !ready) fatal("cannot find the service's /health live and ready endpoints (MapHealthChecks) in src/Pix2Pix.Api");

  const dockerfile = "docker/api.Dockerfile";
  const declared = new Set([...readFileSync(path.join(repo, dockerfile), "utf8").matchAll(/ASPNETCORE_HTTP_PORTS=(\S+)/g)].map((m) => m[1]));
  if (declared.size !== 1) fatal(`expected one ASPNETCORE_HTTP_PORTS value in ${dockerfile}, found ${declared.size}`);
  const ports = parsePorts([...declared][0]);

  // The code's own default when appsettings.json has none (ApplicationServiceExtensions: GetValue(..., 30)).
  let drain = { seconds: 30, from: "the service's default" };
  const settings = JSON.parse(readFileSync(path.join(apiDir, "appsettings.json"), "utf8").replace(/^\uFEFF/, ""));
  const fromSettings = Number(settings?.Shutdown?.GracePeriodSeconds);
  if (Number.isFinite(fromSettings)) drain = { seconds: fromSettings, from: "src/Pix2Pix.Api/appsettings.json" };
  return { live: live.path, ready: ready.path, healthFile: live.file, ports, portsFrom: dockerfile, drain };
}

function* sourceFiles(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory() && !["bin", "obj", "wwwroot"].includes(entry.name)) yield* sourceFiles(full);
    else if (entry.isFile() && entry.name.endsWith(".cs")) yield full;
  }
}

const parsePorts = (value) => String(value).split(";").map((p) => Number(p.trim())).filter(Number.isInteger);

// --- What to render: every kustomization under DIR (base/ and the overlays that include it alike), not components ---

const kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

function kustomizations(root) {
  const found = [];
  const walk = (folder) => {
    const file = kustomizationNames.map((n) => path.join(folder, n)).find(existsSync);
    if (file && (YAML.parse(readFileSync(file, "utf8")) ?? {}).kind !== "Component") found.push(folder);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(path.join(folder, entry.name));
    }
  };
  walk(root);
  return found.sort();
}

// --- Schemas, with unknown fields -----------------------------------------------------------------------------------

// The models' validators are compiled from Kubernetes' OpenAPI schemas, which allow unknown properties. To find those,
// the object is validated through a proxy that records which keys the validator reads: it reads every property its
// schema names (present or not) and enumerates maps, so a key it never read is one the schema does not have.
const records = new WeakMap(); // object -> { reads: Set, enumerated: boolean }
const proxies = new WeakMap();

function watched(value) {
  if (value === null || typeof value !== "object") return value;
  if (proxies.has(value)) return proxies.get(value);
  const record = { reads: new Set(), enumerated: false };
  records.set(value, record);
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") record.reads.add(key);
      return watched(Reflect.get(target, key, receiver));
    },
    has(target, key) {
      if (typeof key === "string") record.reads.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

function unknownFields(value, at, out) {
  if (value === null || typeof value !== "object") return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, `${at}[${i}]`, out));
    return out;
  }
  const record = records.get(value);
  // Nothing read at all: a free-form object (no properties in its schema), where any key is allowed.
  const checked = record && !record.enumerated && record.reads.size > 0;
  for (const key of Object.keys(value)) {
    const here = at ? `${at}.${key}` : key;
    if (checked && !record.reads.has(key)) out.push(`unknown field ${here}`);
    else unknownFields(value[key], here, out);
  }
  return out;
}

async function modelFor(apiVersion, kind) {
  if (!/^[A-Za-z0-9]+$/.test(kind ?? "") || !/^([a-z0-9.-]+\/)?v[a-z0-9]+$/.test(apiVersion ?? "")) return null;
  for (const pkg of ["kubernetes-models", "@kubernetes-models/keda"]) {
    try {
      const module = await import(`${pkg}/${apiVersion}/${kind}`);
      if (module[kind]) return module[kind];
    } catch {
      // not in this package: try the next
    }
  }
  return null;
}

async function schemaProblems(object) {
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) return [`no schema for ${object.apiVersion} ${object.kind} in kubernetes-models or @kubernetes-models/keda`];
  const copy = structuredClone(object);
  try {
    Model.prototype.validate.call(watched(copy));
  } catch (error) {
    const details = error.details ?? error.errors ?? [];
    if (details.length === 0) return [error.message];
    return details.map((d) => `${fieldPath(d.instancePath)} ${d.message}`.trim());
  }
  return unknownFields(copy, "", []);
}

const fieldPath = (pointer) => (pointer ?? "").split("/").slice(1).map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i ? "." : ""}${p}`)).join("") || "(the object)";

// --- The API Deployment against the service ----------------------------------------------------------------------

const imageName = (image) => String(image ?? "").split("@")[0].replace(/:[^/:]*$/, "").split("/").pop();
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const nameOf = (o) => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

function setting(container, objects, key) {
  const found = (container.env ?? []).find((e) => e.name.toLowerCase() === key.toLowerCase() && e.value !== undefined);
  if (found) return { value: found.value, from: `env of container ${container.name}` };
  for (const source of container.envFrom ?? []) {
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === source.configMapRef?.name);
    const entry = Object.entries(map?.data ?? {}).find(([k]) => k.toLowerCase() === `${source.prefix ?? ""}${key}`.toLowerCase());
    if (entry) return { value: entry[1], from: `ConfigMap ${map.metadata.name}` };
  }
  return null;
}

function apiProblems(deployment, objects, facts) {
  const problems = [];
  const pod = deployment.spec?.template?.spec ?? {};
  const labels = deployment.spec?.template?.metadata?.labels ?? {};
  if (!matches(deployment.spec?.selector?.matchLabels, labels)) problems.push("spec.selector does not match the pod template's labels");
  for (const container of pod.containers ?? []) {
    if (imageName(container.image) !== "pix2pix-api") continue;
    const at = `container ${container.name}`;
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef;
      if (ref && !ref.optional && !objects.some((o) => o.kind === "ConfigMap" && o.metadata?.name === ref.name)) {
        problems.push(`${at}: envFrom names ConfigMap ${ref.name}, which this render does not create`);
      }
    }

    const portSetting = setting(container, objects, "ASPNETCORE_HTTP_PORTS");
    const listens = portSetting ? parsePorts(portSetting.value) : facts.ports;
    const listensFrom = portSetting ? portSetting.from : `ASPNETCORE_HTTP_PORTS in ${facts.portsFrom}`;
    const declared = (container.ports ?? []).map((p) => p.containerPort);
    for (const port of declared.filter((p) => !listens.includes(p))) {
      problems.push(`${at}: containerPort ${port} is not a port the service listens on (${listens.join(", ")}: ${listensFrom})`);
    }
    const resolve = (port) => (typeof port === "string" ? container.ports?.find((p) => p.name === port)?.containerPort : port);

    const expected = { livenessProbe: facts.live, readinessProbe: facts.ready, startupProbe: facts.ready };
    for (const [probe, wanted] of Object.entries(expected)) {
      const get = container[probe]?.httpGet;
      if (!get) {
        problems.push(`${at}: no ${probe} with httpGet (the service's is GET ${wanted}, ${facts.healthFile})`);
        continue;
      }
      if (get.path !== wanted) problems.push(`${at}: ${probe} path ${get.path} is not the service's ${wanted} (${facts.healthFile})`);
      const port = resolve(get.port);
      if (!listens.includes(port)) problems.push(`${at}: ${probe} port ${get.port} is not a port the service listens on (${listens.join(", ")}: ${listensFrom})`);
    }

    const drainSetting = setting(container, objects, "Shutdown__GracePeriodSeconds");
    const drain = drainSetting ? { seconds: Number(drainSetting.value), from: drainSetting.from } : facts.drain;
    const preStop = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
    const grace = pod.terminationGracePeriodSeconds ?? 30; // Kubernetes' default
    if (!(grace > drain.seconds + preStop)) {
      problems.push(`terminationGracePeriodSeconds ${grace} is not longer than the drain: preStop sleep ${preStop} s + Shutdown__GracePeriodSeconds ${drain.seconds} s (${drain.from})`);
    }

    const services = objects.filter((o) => o.kind === "Service" && o.spec?.selector && matches(o.spec.selector, labels));
    if (services.length === 0) problems.push(`no Service in this render selects the pods (labels ${JSON.stringify(labels)})`);
    for (const service of services) {
      for (const port of service.spec.ports ?? []) {
        const target = resolve(port.targetPort ?? port.port);
        if (!listens.includes(target)) problems.push(`Service ${service.metadata.name} port ${port.port} targets ${port.targetPort ?? port.port}, not a port the service listens on (${listens.join(", ")})`);
      }
    }

    // The NetworkPolicies over the pods (Kubernetes allows what any of them allows) must let clients in to the
    // service's port and the pods out to the OTLP collector.
    const policies = objects.filter((o) => o.kind === "NetworkPolicy" && matches(o.spec?.podSelector?.matchLabels, labels)
      && (o.spec.podSelector.matchExpressions ?? []).length === 0);
    const typesOf = (p) => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
    const portAllows = (rule, wanted) => !rule.ports || rule.ports.some((p) => p.port === undefined || wanted(p.port));
    const names = (list) => list.map((p) => p.metadata.name).join(", ");
    const ingress = policies.filter((p) => typesOf(p).includes("Ingress"));
    if (ingress.length > 0 && !ingress.some((p) => (p.spec.ingress ?? []).some((rule) => portAllows(rule, (port) => listens.includes(resolve(port)))))) {
      problems.push(`NetworkPolicy ${names(ingress)} lets no traffic in to the service's port (${listens.join(", ")})`);
    }
    const otlp = setting(container, objects, "OTEL_EXPORTER_OTLP_ENDPOINT");
    const egress = policies.filter((p) => typesOf(p).includes("Egress"));
    if (egress.length > 0 && otlp && otlp.value.trim() !== "") {
      let url = null;
      try {
        url = new URL(otlp.value);
      } catch {
        problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT ${otlp.value} (${otlp.from}) is not a URL`);
      }
      if (url) {
        const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
        const namespace = url.hostname.match(/^[^.]+\.([^.]+)\.svc(\.|$)/)?.[1] ?? deployment.metadata?.namespace;
        const everyNamespace = (selector) => Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0;
        // A peer that can be the collector: an address block, or pods in its namespace (the collector's own labels
        // are not known here, so any pod selector is taken to match them).
        const reaches = (peer, policy) => peer.ipBlock
          || (peer.namespaceSelector ? everyNamespace(peer.namespaceSelector) || peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"] === namespace
            : peer.podSelector !== undefined && (policy.metadata?.namespace ?? deployment.metadata?.namespace) === namespace);
        if (!egress.some((p) => (p.spec.egress ?? []).some((rule) => portAllows(rule, (q) => q === port) && (!rule.to || rule.to.some((peer) => reaches(peer, p)))))) {
          problems.push(`NetworkPolicy ${names(egress)} lets no traffic out to the OTLP collector ${url.host} (OTEL_EXPORTER_OTLP_ENDPOINT in ${otlp.from})`);
        }
      }
    }
  }
  return problems;
}

function renderProblems(object, objects) {
  const problems = [];
  const podLabels = objects.filter((o) => o.kind === "Deployment").map((o) => o.spec?.template?.metadata?.labels ?? {});
  if (object.kind === "PodDisruptionBudget" && !podLabels.some((l) => matches(object.spec?.selector?.matchLabels, l))) {
    problems.push("spec.selector matches no Deployment's pods in this render");
  }
  if (object.kind === "ScaledObject") {
    const ref = object.spec?.scaleTargetRef ?? {};
    const kind = ref.kind ?? "Deployment";
    if (!objects.some((o) => o.kind === kind && o.metadata?.name === ref.name)) problems.push(`scaleTargetRef ${kind} ${ref.name} is not in this render`);
  }
  return problems;
}

// --- Main ----------------------------------------------------------------------------------------------------------

const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass", "CustomResourceDefinition"]);

async function main() {
  if (!existsSync(dir)) fatal(`${dir} does not exist`);
  const facts = serviceFacts();
  console.log(`service: health ${facts.live}, ${facts.ready} (${facts.healthFile}); port ${facts.ports.join(", ")} (${facts.portsFrom}); drain ${facts.drain.seconds} s (${facts.drain.from})`);
  const entries = kustomizations(dir);
  if (entries.length === 0) fatal(`no kustomization under ${dir}`);
  let objectsSeen = 0;
  let problemCount = 0;
  for (const entry of entries) {
    const label = path.relative(dir, entry) || ".";
    let rendered;
    try {
      rendered = execFileSync("kubectl", ["kustomize", entry], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const reason = String(error.stderr || error.message).trim().split("\n")[0];
      console.log(`FAIL  ${label}: kubectl kustomize failed: ${reason}`);
      problemCount++;
      continue;
    }
    const documents = YAML.parseAllDocuments(rendered);
    const broken = documents.find((d) => d.errors.length > 0);
    if (broken) {
      console.log(`FAIL  ${label}: the rendered YAML does not parse: ${broken.errors[0].message.split("\n")[0]}`);
      problemCount++;
      continue;
    }
    const objects = documents.map((d) => d.toJS()).filter((o) => o !== null);
    const namespaces = new Set(objects.filter((o) => !clusterScoped.has(o.kind)).map((o) => o.metadata?.namespace ?? "(none)"));
    for (const object of objects) {
      objectsSeen++;
      const problems = await schemaProblems(object);
      if (problems.length === 0) {
        problems.push(...renderProblems(object, objects));
        if (object.kind === "Deployment") problems.push(...apiProblems(object, objects, facts));
        if (!clusterScoped.has(object.kind) && !object.metadata?.namespace) problems.push(`no namespace (the rest of ${label} is in ${[...namespaces].join(", ")})`);
      }
      const what = `${label}  ${object.apiVersion} ${object.kind} ${nameOf(object)}`;
      if (problems.length === 0) console.log(`ok    ${what}`);
      for (const problem of problems) console.log(`FAIL  ${what}: ${problem}`);
      problemCount += problems.length;
    }
  }
  const summary = `${objectsSeen} objects in ${entries.length} renders (${entries.map((e) => path.relative(dir, e) || ".").join(", ")})`;
  if (problemCount === 0) {
    console.log(`k8s-validate: ${summary}: all valid`);
  } else {
    console.log(`k8s-validate: ${problemCount} problem${problemCount === 1 ? "" : "s"} in ${summary}`);
    process.exit(1);
  }
}

await main();
