/**
 * Ruby exceptions GitLab does not rescue, so they surface to the user as Ruby raised them.
 */

/**
 * An exception Ruby would raise where GitLab does not rescue it (for instance `\k<name>` in a
 * `gsub` replacement). `rubyClass` is the Ruby exception class, `message` its message.
 */
export class RubyError extends Error {
  readonly rubyClass: string;
  constructor(rubyClass: string, message: string) {
    super(message);
    this.name = 'RubyError';
    this.rubyClass = rubyClass;
  }
}
