/**
 * Every item of an EC2 describe call, page by page. Where a call names no resource ids, AWS asks
 * for paginated calls: an unpaginated one over many resources (a fleet's security group on
 * thousands of interfaces, an account's snapshots) can be throttled or time out, and would fail
 * the remediation (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-pagination.html).
 */

/** The largest page the describe calls give (their MaxResults is 5 to 1,000). */
export const EC2_PAGE_SIZE = 1000;
/** GetManagedPrefixListEntries gives at most 100 (MaxResults 1 to 100, EC2 API Reference). */
export const PREFIX_LIST_PAGE_SIZE = 100;

/** The paging fields a describe call takes. */
export interface PageRequest {
  readonly MaxResults: number;
  readonly NextToken?: string;
}

/** Calls `send` with each page's fields until no NextToken comes back; the items under `key`, in order. */
export async function allPages<K extends string, T>(
  key: K,
  send: (page: PageRequest) => Promise<{ readonly [k in K]?: T[] } & { readonly NextToken?: string }>,
  pageSize = EC2_PAGE_SIZE,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await send({ MaxResults: pageSize, NextToken: nextToken });
    items.push(...(page[key] ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return items;
}
