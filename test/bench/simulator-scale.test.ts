import { nodeOptionsOf, simulateNodeOptions } from '../../bench/simulator-scale';

describe('Bench: the simulator runs with the Node.js options of npm run simulate', () => {
  it("takes the options between node and the entry of package.json's script", () => {
    expect(nodeOptionsOf('node --heap-growing-percent=20 --import tsx bin/simulate.ts')).toEqual(['--heap-growing-percent=20', '--import', 'tsx']);
    expect(nodeOptionsOf('node bin/simulate.ts --json')).toEqual([]);
    expect(simulateNodeOptions()).toEqual(expect.arrayContaining(['--import', 'tsx']));
  });

  it('refuses a script it cannot read the options of, naming it', () => {
    expect(() => nodeOptionsOf('tsx bin/simulate.ts')).toThrow("package.json's simulate script is not 'node [options] <entry>.ts': tsx bin/simulate.ts");
    expect(() => nodeOptionsOf('node --import tsx')).toThrow(/is not 'node \[options\] <entry>.ts'/);
  });
});
