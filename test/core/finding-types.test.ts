import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseFindingTypeTable, renderFindingTypesModule } from '../../scripts/import-finding-types';
import { corpusFindingTypeTable } from '../support/corpus';

describe('Module: finding-types', () => {
  it('is the table compiled from the GuardDuty documentation, regenerated without changes', () => {
    const committed = readFileSync(path.join(__dirname, '..', '..', 'core', 'finding-types.ts'), 'utf8');
    expect(committed).toBe(renderFindingTypesModule(parseFindingTypeTable(corpusFindingTypeTable())));
  });

  it('rejects a table without the columns it needs, naming the column', () => {
    expect(() => parseFindingTypeTable('type\tstatus\nA:B/C\tactive')).toThrow(/no 'meaning' column/);
  });
});
