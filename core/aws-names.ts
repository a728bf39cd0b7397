/**
 * The formats of names AWS gives, checked wherever an event hands us one before it reaches an API
 * call, a tag or a printed command.
 */

/** AWS account ids: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * Region names: a two-letter area, one or more words, a number (`eu-west-1`, `us-gov-west-1`,
 * `ap-southeast-5`, `eusc-de-east-1` has a four-letter area). Checked by shape, not against a
 * list, so that a region AWS opens after this release still works.
 */
export const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
