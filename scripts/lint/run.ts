/**
 * Runs the rules over a project: GitLab's own checks first (what GitLab would reject: YAML,
 * header, inputs, interpolation), then each rule on each target. Findings pass through the inline
 * `# catalog-lint-disable-next-line <rule>[, <rule>]` comments and the configuration (severities,
 * `off`, ignored paths), and come out sorted and without repeats.
 */
import { sortDiagnostics, type Diagnostic, type Position } from '../core/diagnostic.js';
import type { SourceRange } from '../gitlab/yaml/psych.js';
import { validateComponentSource } from '../catalog/validate.js';
import { sourcePosition, type BuiltTemplate } from '../catalog/build/build.js';
import { globToRegExp, type LintConfig } from './config.js';
import { formatMessage, type LintProject, type LintSettings, type LintTarget, type Rule } from './rule.js';

const DISABLE_NEXT_LINE = /#\s*catalog-lint-disable-next-line\b(.*)$/;

/**
 * Rules that explain an interpolation error GitLab also reports: where one of them speaks about a
 * block, GitLab's bare `interpolation` finding at the same place is dropped. If the rule is
 * turned off, GitLab's finding stays: the include would still fail.
 */
const EXPLAINS_INTERPOLATION = new Set(['undefined-input', 'unknown-function']);
const samePlace = (a: Diagnostic, b: Diagnostic) =>
  a.file === b.file && a.start.line === b.start.line && a.start.column === b.start.column;

/** Findings GitLab itself would raise for a target, with their positions. */
function gitlabFindings(target: LintTarget): Diagnostic[] {
  // Invalid defaults, and interpolation errors with the defaults, are GitLab's own findings already
  // (validateComponentSource); what is left: stand-ins for required inputs rejected, or an example's inputs failing.
  const notRendered: Diagnostic[] = target.renderFailures
    .filter((failure) => failure.stage !== 'defaults' && !(failure.label === 'defaults' && failure.stage === 'interpolation'))
    .map((failure) => ({
      ruleId: 'render',
      severity: failure.label === 'defaults' ? 'warning' : 'error',
      message:
        failure.label === 'defaults'
          ? `not linted with its defaults: the stand-in values for required inputs are rejected: ${failure.message}`
          : `the include at ${failure.label} fails in GitLab: ${failure.message}`,
      file: target.file,
      start: target.source.content?.range.start ?? { line: 1, column: 1 },
    }));
  if (target.kind === 'component') return [...validateComponentSource(target.source), ...notRendered];
  return [...target.source.syntaxErrors, ...target.source.diagnostics];
}

export async function lintProject(project: LintProject, rules: readonly Rule[], settings: LintSettings, config: LintConfig): Promise<Diagnostic[]> {
  const active = rules.filter((rule) => config.rules.get(rule.id) !== 'off');
  // Every rule of every target is started before any is waited for, so that rules backed by an
  // external tool (shellcheck) batch their work across the project and the other rules run
  // meanwhile. Findings are gathered per target and rule, in that order, whatever finishes first.
  const perTarget = await Promise.all(
    project.targets.map(async (target) => {
      const gitlab = gitlabFindings(target);
      const perRule = await Promise.all(
        active.map(async (rule) => {
          const reported: Diagnostic[] = [];
          await rule.check({
            target,
            project,
            settings,
            report: ({ messageId, data, at, severity }) => {
              const range: SourceRange = 'start' in at ? at : { start: at, end: at };
              reported.push({
                ruleId: rule.id,
                severity: severity ?? rule.severity,
                message: formatMessage(rule.messages[messageId] ?? messageId, data),
                file: target.file,
                start: range.start,
                end: range.end,
              });
            },
          });
          return reported;
        }),
      );
      return [...gitlab, ...perRule.flat()];
    }),
  );
  const found = perTarget.flat();
  const ignored = config.ignores.map(globToRegExp);
  const texts = new Map(project.targets.map((t) => [t.file, t.text.split('\n')]));
  const kept = found
    .filter((d) => !ignored.some((re) => re.test(d.file)))
    .filter((d) => !disabledByComment(texts.get(d.file), d.start, d.ruleId))
    .map((d) => {
      const setting = config.rules.get(d.ruleId);
      return setting && setting !== 'off' ? { ...d, severity: setting } : d;
    })
    .filter((d) => config.rules.get(d.ruleId) !== 'off');
  const explained = kept.filter((d) => EXPLAINS_INTERPOLATION.has(d.ruleId));
  const builds = new Map(project.targets.flatMap((t) => (t.built ? [[t.file, t.built] as const] : [])));
  return sortDiagnostics(
    kept.filter((d) => d.ruleId !== 'interpolation' || !explained.some((e) => samePlace(e, d))).map((d) => atSource(d, builds.get(d.file))),
  );
}

/** A finding in a built template, moved to the source line it was built from (the file the author edits). */
function atSource(d: Diagnostic, built: BuiltTemplate | undefined): Diagnostic {
  const start = built && sourcePosition(built, d.start);
  if (!built || !start) return d;
  const end = d.end && sourcePosition(built, d.end);
  return { ...d, file: start.file, start: start.position, end: end?.file === start.file ? end.position : undefined };
}

/** `# catalog-lint-disable-next-line a, b` on the line above (no list: every rule). */
function disabledByComment(lines: readonly string[] | undefined, at: Position, ruleId: string): boolean {
  const previous = lines?.[at.line - 2];
  const match = previous === undefined ? null : DISABLE_NEXT_LINE.exec(previous);
  if (!match) return false;
  const listed = (match[1] ?? '').split(/[\s,]+/).filter(Boolean);
  return listed.length === 0 || listed.includes(ruleId);
}
