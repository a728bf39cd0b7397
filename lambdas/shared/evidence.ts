/**
 * The evidence GuardDuty's newer families carry beyond resource and actor: the process of a
 * Runtime Monitoring finding, the signals of an Extended Threat Detection attack sequence, the
 * threats of a Malware Protection scan. Each is a titled block of labelled lines, left out when
 * the finding has none. Field names are the EventBridge shape of the GuardDuty API's `Service`
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Service.html).
 */
import { Line, MAX_LIST_ITEMS, joinDefined, listOf, objectsOf as objects, placeOf, sequenceResourceLabel } from './describe';
import { JsonObject, asArray, asObject, at } from './json';
import { quoted, token } from './text';

export interface EvidenceBlock {
  readonly heading: string;
  readonly lines: readonly Line[];
}

export function describeEvidence(detail: JsonObject): EvidenceBlock[] {
  const service = asObject(detail.service) ?? {};
  return [
    { heading: 'Process', lines: describeRuntime(asObject(service.runtimeDetails)) },
    { heading: 'Attack sequence', lines: describeSequence(asObject(at(service, 'detection', 'sequence'))) },
    { heading: 'Malware scan', lines: [...describeVolumeScan(asObject(service.ebsVolumeScanDetails)), ...describeObjectScan(asObject(service.malwareScanDetails), detail)] },
  ];
}


/** `n more` after the first MAX_LIST_ITEMS items, each already one string. */
function bounded(items: readonly (string | undefined)[], separator: string): string | undefined {
  const present = items.filter((i): i is string => i !== undefined);
  if (present.length === 0) return undefined;
  const shown = present.slice(0, MAX_LIST_ITEMS).join(separator);
  return present.length > MAX_LIST_ITEMS ? `${shown}${separator}and ${present.length - MAX_LIST_ITEMS} more` : shown;
}

// ---- Runtime Monitoring ------------------------------------------------------------------------

/** `"curl" (pid 1234, user "ec2-user" uid 1000)`. */
function processLabel(process: JsonObject | undefined): string | undefined {
  if (!process) return undefined;
  const name = quoted(process.name, 100) ?? quoted(process.executablePath, 200);
  const user = joinDefined(' ', quoted(process.user, 64), process.userId !== undefined ? `uid ${token(process.userId, 12)}` : undefined);
  const about = joinDefined(', ', process.pid !== undefined ? `pid ${token(process.pid, 12)}` : undefined, user && `user ${user}`);
  if (!name) return about;
  return about ? `${name} (${about})` : name;
}

/**
 * What GuardDuty's runtime agent saw, by the names of the API's RuntimeContext
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RuntimeContext.html): the label
 * and whether the value is free text (paths, names, commands) or a token (times, hashes, numbers).
 */
const RUNTIME_CONTEXT: readonly (readonly [key: string, label: string, kind: 'text' | 'token' | 'list' | 'process'])[] = [
  ['modifyingProcess', 'Modified by', 'process'],
  ['modifiedAt', 'Modified at', 'token'],
  ['targetProcess', 'Target process', 'process'],
  ['filePath', 'File', 'text'],
  ['fileOperation', 'File operation', 'token'],
  ['threatFilePath', 'Threat file', 'text'],
  ['relatedFilePaths', 'Related files', 'list'],
  ['scriptPath', 'Script', 'text'],
  ['libraryPath', 'Library', 'text'],
  ['ldPreloadValue', 'LD_PRELOAD', 'text'],
  ['socketPath', 'Socket', 'text'],
  ['runcBinaryPath', 'runc binary', 'text'],
  ['releaseAgentPath', 'Release agent', 'text'],
  ['mountSource', 'Mount source', 'text'],
  ['mountTarget', 'Mount target', 'text'],
  ['fileSystemType', 'File system', 'token'],
  ['flags', 'Flags', 'list'],
  ['moduleName', 'Kernel module', 'text'],
  ['moduleFilePath', 'Module file', 'text'],
  ['moduleSha256', 'Module SHA-256', 'token'],
  ['shellHistoryFilePath', 'Shell history', 'text'],
  ['addressFamily', 'Address family', 'token'],
  ['ianaProtocolNumber', 'IANA protocol', 'token'],
  ['memoryRegions', 'Memory regions', 'list'],
  ['toolName', 'Tool', 'text'],
  ['toolCategory', 'Tool category', 'token'],
  ['serviceName', 'Service', 'text'],
  ['commandLineExample', 'Command line', 'text'],
];

function describeRuntime(runtime: JsonObject | undefined): Line[] {
  if (!runtime) return [];
  const process = asObject(runtime.process);
  const context = asObject(runtime.context) ?? {};
  // Lineage goes from the parent up, as GuardDuty lists it.
  const lineage = objects(process?.lineage).map((p) => joinDefined(' ', quoted(p.name, 100) ?? quoted(p.executablePath, 200), p.pid !== undefined ? `(pid ${token(p.pid, 12)})` : undefined));
  return [
    ['Process', processLabel(process)],
    ['Executable', quoted(process?.executablePath, 300)],
    ['SHA-256', token(process?.executableSha256, 64)],
    ['Working directory', quoted(process?.pwd, 300)],
    ['Started', token(process?.startTime, 40)],
    ['Parent lineage', bounded(lineage, ' <- ')],
    ...RUNTIME_CONTEXT.map(([key, label, kind]): Line => {
      const value = context[key];
      if (kind === 'process') return [label, processLabel(asObject(value))];
      if (kind === 'list') return [label, listOf(asArray(value).map((v) => quoted(v, 200)))];
      return [label, kind === 'text' ? quoted(value, 300) : token(value, 80)];
    }),
  ];
}

// ---- Extended Threat Detection -----------------------------------------------------------------

/** Indicator keys (API_Indicator) shown on their own line; the others are listed by their key. */
const TACTIC = 'ATTACK_TACTIC';
const TECHNIQUE = 'ATTACK_TECHNIQUE';

function describeSequence(sequence: JsonObject | undefined): Line[] {
  if (!sequence) return [];
  const indicators = objects(sequence.sequenceIndicators);
  const valuesOf = (key: string) => listOf(indicators.filter((i) => i.key === key).flatMap((i) => asArray(i.values).map((v) => quoted(v, 120))));
  const others = indicators.filter((i) => i.key !== TACTIC && i.key !== TECHNIQUE).map((i) => joinDefined(': ', token(i.key, 40), listOf(asArray(i.values).map((v) => quoted(v, 120)))));
  // Signals in the order they were first seen: the story of the attack.
  const signals = objects(sequence.signals)
    .sort((a, b) => String(a.firstSeenAt ?? '').localeCompare(String(b.firstSeenAt ?? '')))
    .map((s) => joinDefined(' ', token(s.firstSeenAt, 40), quoted(s.name, 120), s.count !== undefined ? `(count ${token(s.count, 12)})` : undefined));
  return [
    ['Sequence id', token(sequence.uid, 100)],
    ['Signals', bounded(signals, '; ')],
    ['MITRE tactics', valuesOf(TACTIC)],
    ['MITRE techniques', valuesOf(TECHNIQUE)],
    ['Indicators', bounded(others, '; ')],
    ['Actors', bounded(objects(sequence.actors).map(actorLabel), '; ')],
    ['Endpoints', bounded(objects(sequence.endpoints).map(endpointLabel), '; ')],
    ['Resources', bounded(objects(sequence.resources).map(sequenceResourceLabel), '; ')],
    ['Also', listOf(asArray(sequence.additionalSequenceTypes).map((t) => token(t, 100)))],
  ];
}

/** `user "john_doe" (IAMUser, account 111122223333)`, `process "curl"`, or the session. */
function actorLabel(actor: JsonObject): string | undefined {
  const user = asObject(actor.user);
  if (user) {
    const about = joinDefined(', ', token(user.type, 40), token(at(user, 'account', 'uid'), 12) && `account ${token(at(user, 'account', 'uid'), 12)}`);
    const name = quoted(user.name, 100) ?? token(user.uid, 100);
    return name && (about ? `user ${name} (${about})` : `user ${name}`);
  }
  const process = asObject(actor.process);
  if (process) return joinDefined(' ', 'process', quoted(process.name, 100), quoted(process.path, 200));
  return token(actor.id, 100);
}

/** `198.51.100.7 ("Paris, France"; AS 64500 "Example Hosting")` or a domain. */
function endpointLabel(endpoint: JsonObject): string | undefined {
  const where = placeOf(at(endpoint, 'location', 'city'), at(endpoint, 'location', 'country'));
  const asn = joinDefined(' ', token(at(endpoint, 'autonomousSystem', 'number'), 12) && `AS ${token(at(endpoint, 'autonomousSystem', 'number'), 12)}`, quoted(at(endpoint, 'autonomousSystem', 'name'), 80));
  const address = token(endpoint.ip, 45) ?? quoted(endpoint.domain, 200) ?? token(endpoint.id, 100);
  const about = joinDefined('; ', where, asn);
  return address && (about ? `${address} (${about})` : address);
}

// ---- Malware Protection ------------------------------------------------------------------------

/** Malware Protection for EC2 (EBS volumes of instances, containers, ECS tasks): the scan and each threat's files. */
function describeVolumeScan(scan: JsonObject | undefined): Line[] {
  if (!scan) return [];
  const detections = asObject(scan.scanDetections) ?? {};
  const byName = asObject(detections.threatDetectedByName) ?? {};
  const threats = objects(byName.threatNames).map((t) =>
    joinDefined(' ', quoted(t.name, 120), `(${joinDefined(', ', token(t.severity, 20), t.itemCount !== undefined ? `${token(t.itemCount, 12)} files` : undefined) ?? 'no details'})`),
  );
  const files = objects(byName.threatNames).flatMap((t) => objects(t.filePaths).map((f) => fileLabel(quoted(f.filePath ?? f.fileName, 300), token(f.hash, 64), volumeOf(f.volumeArn))));
  const scanned = asObject(detections.scannedItemCount);
  return [
    ['Scan id', token(scan.scanId, 100)],
    ['Scan type', token(scan.scanType, 40)],
    ['Scanned', scanned && joinDefined(', ', count(scanned.files, 'files'), count(scanned.volumes, 'volumes'), count(scanned.totalGb, 'GB'))],
    ['Threats', bounded(threats, '; ')],
    ['Files', bounded(files, '; ')],
    ['Threat names shortened', byName.shortened === true ? `yes: GuardDuty listed ${token(byName.uniqueThreatNameCount, 12) ?? 'more'} threat names in all` : undefined],
    ['Triggered by finding', token(scan.triggerFindingId, 100)],
    ['Engines', listOf(asArray(scan.sources).map((s) => quoted(s, 60)))],
  ];
}

/** Malware Protection for S3 (and the newer scan types): the threats with the scanned object. */
function describeObjectScan(scan: JsonObject | undefined, detail: JsonObject): Line[] {
  if (!scan) return [];
  const threats = objects(scan.threats);
  const objectsScanned = objects(at(detail, 'resource', 's3BucketDetails')).flatMap((bucket) =>
    objects(bucket.s3ObjectDetails).map((o) => joinDefined(' ', quoted(o.key, 300), token(o.versionId, 100) && `version ${token(o.versionId, 100)}`, token(o.hash, 64) && `SHA-256 ${token(o.hash, 64)}`)),
  );
  const files = threats.flatMap((t) => [
    ...objects(t.itemPaths).map((p) => fileLabel(quoted(p.nestedItemPath, 300), token(p.hash, 64))),
    ...objects(t.itemDetails).map((d) => fileLabel(quoted(d.itemPath, 300) ?? token(d.resourceArn, 300), token(d.hash, 64))),
  ]);
  return [
    ['Scan id', token(scan.scanId, 100)],
    ['Scan type', joinDefined(' ', token(scan.scanType, 40), token(scan.scanCategory, 40) && `(${token(scan.scanCategory, 40)})`)],
    ['Object', bounded(objectsScanned, '; ')],
    ['Threats', bounded(threats.map((t) => joinDefined(' ', quoted(t.name, 120), token(t.source, 40) && `(${token(t.source, 40)})`)), '; ')],
    ['Files', bounded(files, '; ')],
  ];
}

function fileLabel(path: string | undefined, hash: string | undefined, volume?: string): string | undefined {
  return path && joinDefined(' ', path, hash && `SHA-256 ${hash}`, volume && `on ${volume}`);
}

function volumeOf(arn: unknown): string | undefined {
  return typeof arn === 'string' ? token(/volume\/(vol-[0-9a-f]+)$/.exec(arn)?.[1] ?? arn, 200) : undefined;
}

function count(value: unknown, unit: string): string | undefined {
  const n = token(value, 12);
  return n && `${n} ${unit}`;
}
