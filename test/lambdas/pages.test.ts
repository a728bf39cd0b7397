import { EC2_PAGE_SIZE, type PageRequest, allPages } from '../../lambdas/shared/pages';

describe('Function: allPages', () => {
  it('asks for pages of 1,000 until no NextToken comes back, and keeps the items in order', async () => {
    const asked: PageRequest[] = [];
    const items = await allPages('Snapshots', async (page) => {
      asked.push(page);
      const start = Number(page.NextToken ?? 0);
      return { Snapshots: [start, start + 1], ...(start < 4 && { NextToken: String(start + 2) }) };
    });
    expect(items).toEqual([0, 1, 2, 3, 4, 5]);
    expect(asked).toEqual([
      { MaxResults: EC2_PAGE_SIZE, NextToken: undefined },
      { MaxResults: EC2_PAGE_SIZE, NextToken: '2' },
      { MaxResults: EC2_PAGE_SIZE, NextToken: '4' },
    ]);
    expect(EC2_PAGE_SIZE).toBe(1000);
  });

  it('reads a page without the list (EC2 leaves out an empty one) as no items', async () => {
    expect(await allPages('SecurityGroups', async () => ({}))).toEqual([]);
  });

  it('passes a failed page on: no partial list is taken for a complete one', async () => {
    let pages = 0;
    const failing = allPages('NetworkInterfaces', async () => {
      if (++pages === 2) throw Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
      return { NetworkInterfaces: ['eni-1'], NextToken: 'next' };
    });
    await expect(failing).rejects.toThrow('Rate exceeded');
  });
});
