/**
 * deprecated-keyword: `only:` / `except:` in jobs (GitLab develops `rules:` instead), and
 * `image`, `services`, `cache`, `before_script`, `after_script` at the top level, which GitLab
 * deprecates in favour of `default:` (ci.json: "Defining `image` globally is deprecated").
 */
import { isValueMap } from '../../gitlab/ruby/value.js';
import { jobsOf } from '../../gitlab/jobs/model.js';
import { q, reportOncePerPosition } from '../report.js';
import { defineRule } from '../rule.js';

const JOB_KEYWORDS = ['only', 'except'];
const TOP_LEVEL_KEYWORDS = ['image', 'services', 'cache', 'before_script', 'after_script'];

export const deprecatedKeyword = defineRule({
  id: 'deprecated-keyword',
  description: 'jobs should use rules: instead of only:/except:, and defaults belong under default:',
  severity: 'warning',
  messages: {
    onlyExcept: 'job {{job}} uses {{keyword}}, which GitLab no longer develops; use "rules" instead',
    topLevel: 'top-level {{keyword}} is deprecated; move it under "default:"',
  },
  check(ctx) {
    const report = reportOncePerPosition(ctx);
    for (const variant of ctx.target.variants) {
      if (!isValueMap(variant.content)) continue;
      for (const keyword of TOP_LEVEL_KEYWORDS) {
        if (variant.content.has(keyword)) report({ messageId: 'topLevel', data: { keyword: q(keyword) }, at: variant.locate([keyword], 'key') });
      }
      for (const { name, job, path } of jobsOf(variant.content)) {
        for (const keyword of JOB_KEYWORDS) {
          if (job.has(keyword)) report({ messageId: 'onlyExcept', data: { job: q(name), keyword: q(keyword) }, at: variant.locate([...path, keyword], 'key') });
        }
      }
    }
  },
});
