/**
 * The site's rules for what to classify, on top of the product's fixed eligibility (finding/rules.ts),
 * which they can only narrow: the model reads frontal chest radiographs whatever a rule says. An image is
 * classified when it matches an include rule (or there are none) and no exclude rule. A rule matches when
 * every attribute it names matches one of its patterns.
 *
 * Patterns are DICOM wildcard matching (PS3.4 §C.2.2.2.4): `*` any run of characters, `?` one; case is
 * ignored and surrounding spaces (DICOM padding) too. An absent attribute is the empty value, which only
 * `*` matches: a rule on StationName does not quietly match images that carry none.
 */
import { Counter, type Registry } from 'prom-client';
import { type ClassifyRule, type RuleAttribute, ruleAttributes } from './routingFile.ts';

/** The label of an image that no include rule admitted (include rules exist, none matched). */
export const notIncludedLabel = '(no include rule)';

/** Images the site's rules kept from the model, by the rule that did (or `notIncludedLabel`). */
export function createRuleMetrics(registry: Registry): Counter<'rule'> {
  return new Counter({
    name: 'cxr_images_excluded_total',
    help: "Eligible images the site's rules (CXR_ROUTING_FILE) kept from the model, by the exclude rule that matched, or '(no include rule)'",
    labelNames: ['rule'],
    registers: [registry],
  });
}

/** The values a decision reads: the header's and the sender's AE title. */
export type RuleSubject = Readonly<Partial<Record<RuleAttribute, string | undefined>>>;

export type RuleDecision = { readonly classify: true } | { readonly classify: false; readonly reason: string };

/** The DICOM keyword each attribute is read from in Orthanc's simplified tags. */
export const ruleKeywords: Readonly<Record<Exclude<RuleAttribute, 'callingAeTitle'>, string>> = {
  modality: 'Modality',
  stationName: 'StationName',
  institutionName: 'InstitutionName',
  bodyPartExamined: 'BodyPartExamined',
  viewPosition: 'ViewPosition',
  seriesDescription: 'SeriesDescription',
};

/**
 * `*`/`?` matching in O(pattern × value) with the classic backtrack-to-last-star walk: a regular
 * expression made of `.*` runs backtracks exponentially on a hostile header value.
 */
export function wildcardMatch(patternText: string, valueText: string): boolean {
  const p = patternText.trim().toUpperCase();
  const v = valueText.trim().toUpperCase();
  let pi = 0;
  let vi = 0;
  let star = -1;
  let resume = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

interface CompiledRule {
  readonly name: string;
  readonly tests: ReadonlyArray<{ readonly attribute: RuleAttribute; readonly patterns: readonly string[] }>;
}

function compile(rule: ClassifyRule): CompiledRule {
  const tests = (Object.keys(ruleAttributes) as RuleAttribute[]).flatMap((attribute) => {
    const value = rule[attribute];
    if (value === undefined) return [];
    const list = typeof value === 'string' ? [value] : value;
    return [{ attribute, patterns: list }];
  });
  return { name: rule.name, tests };
}

function matches(rule: CompiledRule, subject: RuleSubject): boolean {
  return rule.tests.every(({ attribute, patterns }) => {
    const value = subject[attribute] ?? '';
    return patterns.some((p) => wildcardMatch(p, value));
  });
}

function describe(rule: CompiledRule, subject: RuleSubject): string {
  return rule.tests.map(({ attribute, patterns }) => `${attribute} '${(subject[attribute] ?? '').trim()}' ~ ${patterns.join(' | ')}`).join(', ');
}

export class ClassifyRules {
  readonly #include: readonly CompiledRule[];
  readonly #exclude: readonly CompiledRule[];

  readonly #excluded: Counter<'rule'> | undefined;

  constructor(rules: { readonly include: readonly ClassifyRule[]; readonly exclude: readonly ClassifyRule[] }, options: { readonly excluded?: Counter<'rule'> } = {}) {
    this.#include = rules.include.map(compile);
    this.#exclude = rules.exclude.map(compile);
    this.#excluded = options.excluded;
  }

  /** True when no rule is configured: every eligible image is classified. */
  get empty(): boolean {
    return this.#include.length === 0 && this.#exclude.length === 0;
  }

  /** Whether a decision needs the sender's AE title (an extra call to Orthanc per image). */
  get needsCallingAeTitle(): boolean {
    return [...this.#include, ...this.#exclude].some((r) => r.tests.some((t) => t.attribute === 'callingAeTitle'));
  }

  decide(subject: RuleSubject): RuleDecision {
    if (this.#include.length > 0 && !this.#include.some((r) => matches(r, subject))) {
      const values = [...new Set(this.#include.flatMap((r) => r.tests.map((t) => t.attribute)))]
        .map((a) => `${a} '${(subject[a] ?? '').trim()}'`)
        .join(', ');
      this.#excluded?.inc({ rule: notIncludedLabel });
      return { classify: false, reason: `the site's rules include no image like this one (${values}; include rules: ${this.#include.map((r) => `"${r.name}"`).join(', ')})` };
    }
    const excluded = this.#exclude.find((r) => matches(r, subject));
    if (excluded) {
      this.#excluded?.inc({ rule: excluded.name });
      return { classify: false, reason: `excluded by the site's rule "${excluded.name}" (${describe(excluded, subject)})` };
    }
    return { classify: true };
  }
}

/** Reads a rule subject from Orthanc's simplified tags and the instance's RemoteAET metadata. */
export function ruleSubject(tags: Readonly<Record<string, unknown>>, callingAeTitle: string | undefined): RuleSubject {
  const text = (keyword: string): string | undefined => {
    const value = tags[keyword];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    callingAeTitle,
    ...Object.fromEntries(Object.entries(ruleKeywords).map(([attribute, keyword]) => [attribute, text(keyword)])),
  };
}
