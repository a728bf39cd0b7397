import {
  EventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../core/event-pattern';

/** The EC2 state-change event used throughout the "Creating event patterns" page. */
const ec2StateChangeEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** Wraps `detail` into a minimal event. */
function eventWithDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return { source: 'aws.ec2', 'detail-type': 'Test', detail };
}

function errorThrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('Module: event-pattern', () => {
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
  describe('creating event patterns', () => {
    const terminatedPattern: EventPattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };

    it('matches the documented EC2 instance-termination event, ignoring the fields the pattern does not name', () => {
      expect(matchesEventPattern(terminatedPattern, ec2StateChangeEvent)).toBe(true);
    });

    it('does not match when a nested value differs', () => {
      const running = { ...ec2StateChangeEvent, detail: { ...ec2StateChangeEvent.detail, state: 'running' } };

      expect(matchesEventPattern(terminatedPattern, running)).toBe(false);
    });

    it('does not match when a field named in the pattern is missing from the event', () => {
      const { source: _source, ...withoutSource } = ec2StateChangeEvent;

      expect(matchesEventPattern(terminatedPattern, withoutSource)).toBe(false);
    });

    it('does not match when the field appears with a different nesting structure', () => {
      const flattened = { ...ec2StateChangeEvent, state: 'terminated', detail: { 'instance-id': 'i-1' } };

      expect(matchesEventPattern(terminatedPattern, flattened)).toBe(false);
    });

    it('does not match when the event has a leaf value where the pattern expects an object', () => {
      expect(matchesEventPattern(terminatedPattern, { ...ec2StateChangeEvent, detail: 'terminated' })).toBe(false);
    });

    it.each([
      { source: 'aws.ec2', expected: true },
      { source: 'aws.fargate', expected: true },
      { source: 'aws.s3', expected: false },
    ])('matches any of the listed values (source $source: $expected)', ({ source, expected }) => {
      expect(matchesEventPattern({ source: ['aws.ec2', 'aws.fargate'] }, { source })).toBe(expected);
    });

    it.each([
      { value: 'terminated', expected: true },
      { value: 'Terminated', expected: false },
      { value: 'terminated ', expected: false },
      { value: 'TERMINATED', expected: false },
    ])('matches strings character by character without case folding ($value: $expected)', ({ value, expected }) => {
      expect(matchesEventPattern({ state: ['terminated'] }, { state: value })).toBe(expected);
    });

    it('treats field names as case sensitive', () => {
      expect(matchesEventPattern({ Source: ['aws.ec2'] }, { source: 'aws.ec2' })).toBe(false);
    });

    it('matches the documented Macie alert on a number and a nested number', () => {
      const macieAlert = {
        source: 'aws.macie',
        'detail-type': 'Macie Alert',
        detail: { 'risk-score': 80, trigger: { 'alert-type': 'basic', risk: 8 }, tags: ['Custom_Alert', 'Insider'] },
      };
      const pattern: EventPattern = {
        source: ['aws.macie'],
        'detail-type': ['Macie Alert'],
        detail: { 'risk-score': [80], trigger: { risk: [8] } },
      };

      expect(matchesEventPattern(pattern, macieAlert)).toBe(true);
    });

    it.each([
      { pattern: { value: [300] }, value: 300, expected: true },
      { pattern: { value: [300] }, value: 3.0e2, expected: true },
      { pattern: { value: [300] }, value: 301, expected: false },
      { pattern: { value: [300] }, value: '300', expected: false },
      { pattern: { value: ['300'] }, value: 300, expected: false },
      { pattern: { value: [false] }, value: false, expected: true },
      { pattern: { value: [false] }, value: true, expected: false },
      { pattern: { value: [false] }, value: 'false', expected: false },
      { pattern: { value: [true] }, value: 1, expected: false },
    ])('matches JSON values by type and value ($pattern.value vs $value: $expected)', ({ pattern, value, expected }) => {
      expect(matchesEventPattern(pattern, { value })).toBe(expected);
    });

    it('uses the last occurrence of a key repeated in the pattern JSON, as the note on duplicate keys says', () => {
      const pattern = JSON.parse(
        '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
      ) as EventPattern;

      expect(matchesEventPattern(pattern, eventWithDetail({ location: 'eu-central-1' }))).toBe(true);
    });

    it('matches nothing when the event is not a JSON object', () => {
      expect(matchesEventPattern({ source: [{ exists: false }] }, ['aws.ec2'])).toBe(false);
    });

    it('does not see inherited object properties as event fields', () => {
      const inheriting: unknown = Object.create({ source: 'aws.ec2' });

      expect(matchesEventPattern({ source: ['aws.ec2'] }, inheriting)).toBe(false);
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
  describe('null values and empty strings', () => {
    const autoScalingEvent = {
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance Launch Successful',
      resources: [],
      detail: { eventVersion: '', responseElements: null },
    };

    it.each([
      { name: 'a null field with [null]', detail: { responseElements: [null] }, expected: true },
      { name: 'an empty-string field with [""]', detail: { eventVersion: [''] }, expected: true },
      { name: 'a null field with [""]', detail: { responseElements: [''] }, expected: false },
      { name: 'an empty-string field with [null]', detail: { eventVersion: [null] }, expected: false },
      { name: 'an absent field with [null]', detail: { missing: [null] }, expected: false },
      { name: 'an absent field with [""]', detail: { missing: [''] }, expected: false },
    ])('matches $name: $expected', ({ detail, expected }) => {
      expect(matchesEventPattern({ source: ['aws.autoscaling'], detail }, autoScalingEvent)).toBe(expected);
    });

    it.each([{ value: 'null' }, { value: 0 }, { value: false }])(
      'does not match [null] against $value',
      ({ value }) => {
        expect(matchesEventPattern({ responseElements: [null] }, { responseElements: value })).toBe(false);
      },
    );

    it('matches an empty string only with an empty string', () => {
      expect(matchesEventPattern({ LastName: [''] }, { LastName: ' ' })).toBe(false);
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
  describe('arrays', () => {
    const resourcesPattern: EventPattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const autoScalingGroupArn =
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate';

    it('matches when the pattern values and the event array intersect (the documented example)', () => {
      const event = { resources: [autoScalingGroupArn, 'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] };

      expect(matchesEventPattern(resourcesPattern, event)).toBe(true);
    });

    it('does not match when the intersection is empty', () => {
      expect(matchesEventPattern(resourcesPattern, { resources: [autoScalingGroupArn] })).toBe(false);
    });

    it.each([
      { name: '[null]', pattern: { resources: [null] } },
      { name: 'exists: true', pattern: { resources: [{ exists: true }] } },
      { name: 'anything-but', pattern: { resources: [{ 'anything-but': 'x' }] } },
    ])('does not match an empty event array with $name', ({ pattern }) => {
      expect(matchesEventPattern(pattern, { resources: [] })).toBe(false);
    });

    it.each([
      { name: 'prefix', pattern: { tags: [{ prefix: 'Ins' }] }, expected: true },
      { name: 'suffix', pattern: { tags: [{ suffix: '_Alert' }] }, expected: true },
      { name: 'numeric', pattern: { scores: [{ numeric: ['>', 50] }] }, expected: true },
      { name: 'numeric out of range', pattern: { scores: [{ numeric: ['>', 100] }] }, expected: false },
      { name: 'exact number', pattern: { scores: [80] }, expected: true },
    ])('applies $name to each element of an event array', ({ pattern, expected }) => {
      const event = { tags: ['Custom_Alert', 'Insider'], scores: [10, 80] };

      expect(matchesEventPattern(pattern, event)).toBe(expected);
    });

    it.each([
      { name: 'one element is not excluded', state: ['stopped', 'running'], expected: true },
      { name: 'every element is excluded', state: ['stopped', 'overloaded'], expected: false },
    ])('matches anything-but on an event array when $name', ({ state, expected }) => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };

      expect(matchesEventPattern(pattern, eventWithDetail({ state }))).toBe(expected);
    });

    describe('arrays of objects', () => {
      const employees = {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      };

      it.each([
        { name: 'one element matches the nested pattern', pattern: { firstName: ['Anna'] }, expected: true },
        { name: 'one element matches every key', pattern: { firstName: ['Anna'], lastName: ['Smith'] }, expected: true },
        {
          name: 'the keys match in different elements only',
          pattern: { firstName: ['Anna'], lastName: ['Jones'] },
          expected: false,
        },
        { name: 'no element has the value', pattern: { firstName: ['Maria'] }, expected: false },
      ])('matches when $name: $expected', ({ pattern, expected }) => {
        expect(matchesEventPattern({ employees: pattern }, employees)).toBe(expected);
      });

      it('looks into nested arrays of objects', () => {
        const nested = { employees: [[{ firstName: 'John' }], [{ firstName: 'Anna' }]] };

        expect(matchesEventPattern({ employees: { firstName: ['Anna'] } }, nested)).toBe(true);
      });

      it('matches exists: true when one element has the field', () => {
        const event = { detail: { automations: [{ key1: 'value1' }, { id: 'match-does-exist' }] } };

        expect(matchesEventPattern({ detail: { automations: { id: [{ exists: true }] } } }, event)).toBe(true);
      });

      // event-ruler (EventBridge's matcher) flattens items[].name to the key items.name and judges exists: false against
      // every element no matched value has excluded (NameState.getNameTransitions). Each expectation below is what
      // event-ruler's rulesForJSONEvent answers for the same rule and event.
      describe('exists on a field of an array of objects', () => {
        const nameMissing: EventPattern = { detail: { items: { name: [{ exists: false }] } } };
        const namePresent: EventPattern = { detail: { items: { name: [{ exists: true }] } } };

        it.each([
          { name: 'one element has the field and another does not', items: [{ name: 'a' }, { id: 1 }], expected: false },
          { name: 'no element has the field', items: [{ id: 2 }, { id: 1 }], expected: true },
          { name: 'every element has the field', items: [{ name: 'a' }, { name: 'b' }], expected: false },
          { name: 'an element of a nested array has the field', items: [[{ name: 'a' }], [{ id: 1 }]], expected: false },
          { name: 'the field holds an object, not a leaf', items: [{ name: { first: 'a' } }, { id: 1 }], expected: true },
          { name: 'the array holds no object', items: ['a', 1], expected: true },
          { name: 'the array is empty', items: [], expected: true },
        ])('matches exists: false only if no element has the field: $name -> $expected', ({ items, expected }) => {
          expect(matchesEventPattern(nameMissing, eventWithDetail({ items }))).toBe(expected);
        });

        it.each([
          { name: 'the object lacks the field', items: { id: 1 }, expected: true },
          { name: 'the object has the field', items: { name: 'a' }, expected: false },
        ])('matches exists: false on an object, not an array, as before: $name -> $expected', ({ items, expected }) => {
          expect(matchesEventPattern(nameMissing, eventWithDetail({ items }))).toBe(expected);
        });

        it.each([
          { name: 'one element has the field', items: [{ name: 'a' }, { id: 1 }], expected: true },
          { name: 'no element has the field', items: [{ id: 2 }, { id: 1 }], expected: false },
        ])('matches exists: true when some element has the field: $name -> $expected', ({ items, expected }) => {
          expect(matchesEventPattern(namePresent, eventWithDetail({ items }))).toBe(expected);
        });

        it('judges the absence in the element another field of the pattern matched', () => {
          // `id` sorts before `name`, so event-ruler too has tied the pattern to the element with id "a" when it
          // looks for `name`.
          const pattern: EventPattern = { detail: { items: { id: ['a'], name: [{ exists: false }] } } };

          expect([
            matchesEventPattern(pattern, eventWithDetail({ items: [{ id: 'a' }, { id: 'b', name: 'x' }] })),
            matchesEventPattern(pattern, eventWithDetail({ items: [{ id: 'a', name: 'x' }, { id: 'b' }] })),
          ]).toEqual([true, false]);
        });

        it('lets a value or the absence in every element satisfy a list with exists: false', () => {
          const pattern: EventPattern = { detail: { items: { name: ['x', { exists: false }] } } };

          expect([
            matchesEventPattern(pattern, eventWithDetail({ items: [{ name: 'x' }, {}] })),
            matchesEventPattern(pattern, eventWithDetail({ items: [{ name: 'y' }, {}] })),
            matchesEventPattern(pattern, eventWithDetail({ items: [{}, {}] })),
          ]).toEqual([true, false, true]);
        });

        it('needs one $or alternative whose field is absent from every element', () => {
          const pattern: EventPattern = { detail: { items: { $or: [{ a: [{ exists: false }] }, { b: [{ exists: false }] }] } } };

          expect([
            matchesEventPattern(pattern, eventWithDetail({ items: [{ a: 1 }, { b: 1 }] })),
            matchesEventPattern(pattern, eventWithDetail({ items: [{ a: 1 }, { a: 2, c: 1 }] })),
          ]).toEqual([false, true]);
        });

        it('applies to a field of an array nested in an element the pattern is not tied to', () => {
          const pattern: EventPattern = { detail: { items: { sub: { x: [{ exists: false }] } } } };

          expect([
            matchesEventPattern(pattern, eventWithDetail({ items: [{ sub: [{ x: 1 }, {}] }, { id: 1 }] })),
            matchesEventPattern(pattern, eventWithDetail({ items: [{ sub: [{ y: 1 }, {}] }, { id: 1 }] })),
          ]).toEqual([false, true]);
        });
      });
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html (summary table)
  describe('comparison operators summary', () => {
    it.each([
      {
        comparison: 'And',
        pattern: { Location: ['New York'], Day: ['Monday'] },
        matching: { Location: 'New York', Day: 'Monday' },
        notMatching: { Location: 'New York', Day: 'Tuesday' },
      },
      {
        comparison: 'Anything-but',
        pattern: { state: [{ 'anything-but': 'initializing' }] },
        matching: { state: 'running' },
        notMatching: { state: 'initializing' },
      },
      {
        comparison: 'Anything-but (begins with)',
        pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] },
        matching: { Region: 'eu-west-1' },
        notMatching: { Region: 'us-east-1' },
      },
      {
        comparison: 'Anything-but (ends with)',
        pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
        matching: { FileName: 'image.jpg' },
        notMatching: { FileName: 'image.png' },
      },
      {
        comparison: 'Anything-but (ignore case)',
        pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
        matching: { state: 'running' },
        notMatching: { state: 'INITIALIZING' },
      },
      {
        comparison: 'Anything-but using a wildcard',
        pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
        matching: { FilePath: '/usr/bin/node' },
        notMatching: { FilePath: '/usr/lib/node' },
      },
      {
        comparison: 'Begins with',
        pattern: { Region: [{ prefix: 'us-' }] },
        matching: { Region: 'us-east-1' },
        notMatching: { Region: 'eu-west-1' },
      },
      {
        comparison: 'Begins with (ignore case)',
        pattern: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
        matching: { service: 'EventBridge' },
        notMatching: { service: 'Events' },
      },
      {
        comparison: 'Empty',
        pattern: { LastName: [''] },
        matching: { LastName: '' },
        notMatching: { LastName: 'Doe' },
      },
      {
        comparison: 'Equals',
        pattern: { Name: ['Alice'] },
        matching: { Name: 'Alice' },
        notMatching: { Name: 'alice' },
      },
      {
        comparison: 'Equals (ignore case)',
        pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
        matching: { Name: 'ALICE' },
        notMatching: { Name: 'Alicia' },
      },
      {
        comparison: 'Ends with',
        pattern: { FileName: [{ suffix: '.png' }] },
        matching: { FileName: 'image.png' },
        notMatching: { FileName: 'image.PNG' },
      },
      {
        comparison: 'Ends with (ignore case)',
        pattern: { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] },
        matching: { service: 'EVENTBRIDGE' },
        notMatching: { service: 'EventBus' },
      },
      {
        comparison: 'Exists',
        pattern: { ProductName: [{ exists: true }] },
        matching: { ProductName: 'Widget' },
        notMatching: { Price: 10 },
      },
      {
        comparison: 'Does not exist',
        pattern: { ProductName: [{ exists: false }] },
        matching: { Price: 10 },
        notMatching: { ProductName: 'Widget' },
      },
      {
        comparison: 'Not',
        pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
        matching: { Weather: 'Sunny' },
        notMatching: { Weather: 'Raining' },
      },
      {
        comparison: 'Null',
        pattern: { UserID: [null] },
        matching: { UserID: null },
        notMatching: { UserID: 'u-1' },
      },
      {
        comparison: 'Numeric (equals)',
        pattern: { Price: [{ numeric: ['=', 100] }] },
        matching: { Price: 100 },
        notMatching: { Price: 100.5 },
      },
      {
        comparison: 'Numeric (range)',
        pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
        matching: { Price: 20 },
        notMatching: { Price: 10 },
      },
      {
        comparison: 'IP address matching',
        pattern: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] },
        matching: { sourceIPAddress: '10.0.0.42' },
        notMatching: { sourceIPAddress: '10.0.1.42' },
      },
      {
        comparison: 'Or',
        pattern: { PaymentType: ['Credit', 'Debit'] },
        matching: { PaymentType: 'Debit' },
        notMatching: { PaymentType: 'Cash' },
      },
      {
        comparison: 'Or (multiple fields)',
        pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        matching: { Location: 'Boston', Day: 'Monday' },
        notMatching: { Location: 'Boston', Day: 'Tuesday' },
      },
      {
        comparison: 'Wildcard',
        pattern: { FileName: [{ wildcard: '*.png' }] },
        matching: { FileName: 'dir/image.png' },
        notMatching: { FileName: 'dir/image.jpg' },
      },
    ])('implements "$comparison"', ({ pattern, matching, notMatching }) => {
      expect([matchesEventPattern(pattern, matching), matchesEventPattern(pattern, notMatching)]).toEqual([
        true,
        false,
      ]);
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
  describe('content filtering', () => {
    describe('prefix matching', () => {
      it.each([
        { time: '2017-10-02T18:43:48Z', expected: true },
        { time: '2017-10-02', expected: true },
        { time: '2017-10-03T18:43:48Z', expected: false },
        { time: ' 2017-10-02T18:43:48Z', expected: false },
        { time: 20171002, expected: false },
      ])('matches "time" $time against prefix "2017-10-02": $expected', ({ time, expected }) => {
        expect(matchesEventPattern({ time: [{ prefix: '2017-10-02' }] }, { time })).toBe(expected);
      });

      it.each([
        { service: 'EventBridge', expected: true },
        { service: 'EVENTBRIDGE', expected: true },
        { service: 'eventb', expected: true },
        { service: 'Amazon EventBridge', expected: false },
        { service: 'Event', expected: false },
      ])('matches service $service against prefix "EventB" ignoring case: $expected', ({ service, expected }) => {
        const pattern: EventPattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ service }))).toBe(expected);
      });
    });

    describe('suffix matching', () => {
      it.each([
        { FileName: 'image.png', expected: true },
        { FileName: '.png', expected: true },
        { FileName: 'image.PNG', expected: false },
        { FileName: 'image.png.bak', expected: false },
      ])('matches FileName $FileName against suffix ".png": $expected', ({ FileName, expected }) => {
        expect(matchesEventPattern({ FileName: [{ suffix: '.png' }] }, { FileName })).toBe(expected);
      });

      it.each([
        { FileName: 'image.png', expected: true },
        { FileName: 'image.PNG', expected: true },
        { FileName: 'image.Png', expected: true },
        { FileName: 'image.jpg', expected: false },
      ])('matches FileName $FileName against suffix ".png" ignoring case: $expected', ({ FileName, expected }) => {
        const pattern: EventPattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ FileName }))).toBe(expected);
      });
    });

    describe('equals-ignore-case matching', () => {
      it.each([
        { name: 'alice', expected: true },
        { name: 'Alice', expected: true },
        { name: 'ALICE', expected: true },
        { name: 'Alicia', expected: false },
        { name: 'alice ', expected: false },
        { name: '', expected: false },
      ])('matches name "$name" against "alice": $expected', ({ name, expected }) => {
        expect(matchesEventPattern({ name: [{ 'equals-ignore-case': 'alice' }] }, { name })).toBe(expected);
      });

      it('matches only strings', () => {
        expect(matchesEventPattern({ value: [{ 'equals-ignore-case': 'true' }] }, { value: true })).toBe(false);
      });
    });

    describe('anything-but matching', () => {
      it.each([
        { name: 'a string', operand: 'initializing', value: 'pending', expected: true },
        { name: 'a string', operand: 'initializing', value: 'initializing', expected: false },
        { name: 'a number', operand: 123, value: 789, expected: true },
        { name: 'a number', operand: 123, value: 123, expected: false },
        { name: 'a list of strings', operand: ['stopped', 'overloaded'], value: 'running', expected: true },
        { name: 'a list of strings', operand: ['stopped', 'overloaded'], value: 'stopped', expected: false },
        { name: 'a list of strings', operand: ['stopped', 'overloaded'], value: 'overloaded', expected: false },
        { name: 'a list of numbers', operand: [100, 200, 300], value: 999, expected: true },
        { name: 'a list of numbers', operand: [100, 200, 300], value: 200, expected: false },
        { name: 'a prefix', operand: { prefix: 'init' }, value: 'post-init', expected: true },
        { name: 'a prefix', operand: { prefix: 'init' }, value: 'initializing', expected: false },
        { name: 'a suffix', operand: { suffix: '.txt' }, value: 'file.txt.bak', expected: true },
        { name: 'a suffix', operand: { suffix: '.txt' }, value: 'file.txt', expected: false },
        { name: 'equals-ignore-case', operand: { 'equals-ignore-case': 'initializing' }, value: 'pending', expected: true },
        {
          name: 'equals-ignore-case',
          operand: { 'equals-ignore-case': 'initializing' },
          value: 'Initializing',
          expected: false,
        },
        {
          name: 'an equals-ignore-case list',
          operand: { 'equals-ignore-case': ['Stopped', 'OverLoaded'] },
          value: 'running',
          expected: true,
        },
        {
          name: 'an equals-ignore-case list',
          operand: { 'equals-ignore-case': ['Stopped', 'OverLoaded'] },
          value: 'STOPPED',
          expected: false,
        },
        { name: 'a wildcard', operand: { wildcard: '*/lib/*' }, value: '/usr/bin/node', expected: true },
        { name: 'a wildcard', operand: { wildcard: '*/lib/*' }, value: '/usr/lib/node', expected: false },
        { name: 'a wildcard list', operand: { wildcard: ['*/lib/*', '*/bin/*'] }, value: '/usr/share/x', expected: true },
        { name: 'a wildcard list', operand: { wildcard: ['*/lib/*', '*/bin/*'] }, value: '/usr/bin/x', expected: false },
      ])('excludes $name ($value: $expected)', ({ operand, value, expected }) => {
        const pattern: EventPattern = { detail: { state: [{ 'anything-but': operand }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ state: value }))).toBe(expected);
      });

      it.each([
        { name: 'a string', operand: 'initializing' },
        { name: 'a list', operand: ['stopped', 'overloaded'] },
        { name: 'a prefix', operand: { prefix: 'init' } },
        { name: 'a suffix', operand: { suffix: '.txt' } },
        { name: 'equals-ignore-case', operand: { 'equals-ignore-case': 'initializing' } },
        { name: 'a wildcard', operand: { wildcard: '*/lib/*' } },
      ])('does not match an absent field when excluding $name', ({ operand }) => {
        const pattern: EventPattern = { detail: { state: [{ 'anything-but': operand }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ other: 'pending' }))).toBe(false);
      });

      it.each([
        { name: 'a string list', operand: ['stopped', 'running'], value: null },
        { name: 'a string', operand: 'initializing', value: 123 },
        { name: 'a number', operand: 123, value: '123' },
        { name: 'a prefix', operand: { prefix: 'init' }, value: 12 },
        { name: 'a wildcard', operand: { wildcard: '*/dir/*' }, value: true },
      ])('matches a present value of another type when excluding $name', ({ operand, value }) => {
        const pattern: EventPattern = { detail: { state: [{ 'anything-but': operand }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ state: value }))).toBe(true);
      });
    });

    describe('numeric matching', () => {
      const pattern: EventPattern = {
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      };

      it.each([
        { name: 'every field is in range', detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }, expected: true },
        { name: 'c-count is at the open lower bound', detail: { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 }, expected: false },
        { name: 'c-count is above the upper bound', detail: { 'c-count': 5.5, 'd-count': 3, 'x-limit': 301.8 }, expected: false },
        { name: 'd-count is at the open upper bound', detail: { 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }, expected: false },
        { name: 'x-limit is not equal', detail: { 'c-count': 1, 'd-count': 3, 'x-limit': 301.9 }, expected: false },
        { name: 'a value is a numeric string', detail: { 'c-count': '1', 'd-count': 3, 'x-limit': 301.8 }, expected: false },
        { name: 'a value is null', detail: { 'c-count': null, 'd-count': 3, 'x-limit': 301.8 }, expected: false },
        { name: 'a field is absent', detail: { 'd-count': 3, 'x-limit': 301.8 }, expected: false },
      ])('matches the documented example when $name: $expected', ({ detail, expected }) => {
        expect(matchesEventPattern(pattern, eventWithDetail(detail))).toBe(expected);
      });

      it.each([
        { operator: '=', value: 5, expected: true },
        { operator: '=', value: 5.000001, expected: false },
        { operator: '<', value: 4.999, expected: true },
        { operator: '<', value: 5, expected: false },
        { operator: '<=', value: 5, expected: true },
        { operator: '<=', value: 5.001, expected: false },
        { operator: '>', value: 5.001, expected: true },
        { operator: '>', value: 5, expected: false },
        { operator: '>=', value: 5, expected: true },
        { operator: '>=', value: 4.999, expected: false },
      ])('compares $value $operator 5: $expected', ({ operator, value, expected }) => {
        expect(matchesEventPattern({ n: [{ numeric: [operator, 5] }] }, { n: value })).toBe(expected);
      });

      it.each([
        { value: 10, expected: true },
        { value: 20, expected: true },
        { value: 9.99, expected: false },
        { value: 20.01, expected: false },
      ])('matches a closed range [>=, 10, <=, 20] with $value: $expected', ({ value, expected }) => {
        expect(matchesEventPattern({ Price: [{ numeric: ['>=', 10, '<=', 20] }] }, { Price: value })).toBe(expected);
      });

      it('matches negative numbers', () => {
        expect(matchesEventPattern({ n: [{ numeric: ['<', 0] }] }, { n: -3.5 })).toBe(true);
      });
    });

    describe('IP address matching', () => {
      it.each([
        { address: '10.0.0.0', expected: true },
        { address: '10.0.0.255', expected: true },
        { address: '10.0.1.0', expected: false },
        { address: '9.255.255.255', expected: false },
        { address: '10.0.0.256', expected: false },
        { address: '10.0.0', expected: false },
        { address: 'not an address', expected: false },
        { address: '::ffff:a00:1', expected: false },
      ])('matches $address against 10.0.0.0/24: $expected', ({ address, expected }) => {
        const pattern: EventPattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: address }))).toBe(expected);
      });

      it.each([
        { address: '2001:db8:1234:1a00::1', expected: true },
        { address: '2001:0db8:1234:1a00:0000:0000:0000:0000', expected: true },
        { address: '2001:DB8:1234:1A00:FFFF:FFFF:FFFF:FFFF', expected: true },
        { address: '2001:db8:1234:1a01::', expected: false },
        { address: '2001:0db8:123f:1a01:0000:0000:0000:0000', expected: false },
        { address: '10.0.0.1', expected: false },
        { address: '2001:db8::1a00::1', expected: false },
      ])('matches $address against 2001:db8:1234:1a00::/64: $expected', ({ address, expected }) => {
        const pattern: EventPattern = { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } };

        expect(matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: address }))).toBe(expected);
      });

      it.each([
        { cidr: '10.0.0.7/32', address: '10.0.0.7', expected: true },
        { cidr: '10.0.0.7/32', address: '10.0.0.6', expected: false },
        { cidr: '0.0.0.0/0', address: '203.0.113.9', expected: true },
        { cidr: '10.0.0.0/12', address: '10.15.255.255', expected: true },
        { cidr: '10.0.0.0/12', address: '10.16.0.0', expected: false },
        { cidr: '::ffff:10.0.0.0/120', address: '::ffff:10.0.0.200', expected: true },
      ])('matches $address against $cidr: $expected', ({ cidr, address, expected }) => {
        expect(matchesEventPattern({ ip: [{ cidr }] }, { ip: address })).toBe(expected);
      });

      it('matches only strings', () => {
        expect(matchesEventPattern({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 167772161 })).toBe(false);
      });
    });

    describe('exists matching', () => {
      const stateExists: EventPattern = { detail: { state: [{ exists: true }] } };
      const cCountMissing: EventPattern = { detail: { 'c-count': [{ exists: false }] } };

      it('matches the documented event that has a detail.state field', () => {
        const event = {
          version: '0',
          id: '7bf73129-1428-4cd3-a780-95db273d1602',
          'detail-type': 'EC2 Instance State-change Notification',
          source: 'aws.ec2',
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
          detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
        };

        expect(matchesEventPattern(stateExists, event)).toBe(true);
      });

      it('does not match the documented event without a detail.state field', () => {
        expect(matchesEventPattern(stateExists, eventWithDetail({ 'c-count': { c1: 100 } }))).toBe(false);
      });

      it.each([{ value: null }, { value: '' }, { value: 0 }, { value: false }])(
        'matches exists: true on the leaf value $value',
        ({ value }) => {
          expect(matchesEventPattern(stateExists, eventWithDetail({ state: value }))).toBe(true);
        },
      );

      it('does not match exists: true on an intermediate node', () => {
        expect(matchesEventPattern(stateExists, eventWithDetail({ state: { name: 'pending' } }))).toBe(false);
      });

      it.each([
        { name: 'detail.c-count is absent', detail: { state: ['initializing', 'running'] }, expected: true },
        { name: 'c-count is not a leaf node', detail: { state: 'running', 'c-count': { c1: 100 } }, expected: true },
        { name: 'detail.c-count is present', detail: { state: 'running', 'c-count': 3 }, expected: false },
        { name: 'detail.c-count is null', detail: { 'c-count': null }, expected: false },
      ])('matches exists: false when $name: $expected', ({ detail, expected }) => {
        expect(matchesEventPattern(cCountMissing, eventWithDetail(detail))).toBe(expected);
      });

      it('matches exists: false when a parent of the field is absent', () => {
        const pattern: EventPattern = { detail: { level1: { level2: { level3: [{ exists: false }] } } } };

        expect(matchesEventPattern(pattern, eventWithDetail({ level1: 'a leaf' }))).toBe(true);
      });

      it('does not match exists: false when the deeply nested field is present', () => {
        const pattern: EventPattern = { detail: { level1: { level2: { level3: [{ exists: false }] } } } };

        expect(matchesEventPattern(pattern, eventWithDetail({ level1: { level2: { level3: 'v' } } }))).toBe(false);
      });

      it('lets exists: false and another operator in the same list act as alternatives', () => {
        const pattern: EventPattern = { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } };

        expect([
          matchesEventPattern(pattern, { homemade: { N: '789' } }),
          matchesEventPattern(pattern, { homemade: { S: 'tulips' } }),
          matchesEventPattern(pattern, { homemade: { S: 'roses' } }),
        ]).toEqual([true, true, false]);
      });
    });

    describe('wildcard matching', () => {
      it.each([
        { pattern: 'arn:aws:events:us-east-1:*:event-bus/*', value: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus', expected: true },
        { pattern: 'arn:aws:events:us-east-1:*:event-bus/*', value: 'arn:aws:events:us-west-2:123456789012:event-bus/myEventBus', expected: false },
        { pattern: 'arn:aws:events:us-east-1:*:event-bus/*', value: 'arn:aws:events:us-east-1:123456789012:rule/myRule', expected: false },
        { pattern: 'dir/*.png', value: 'dir/image.png', expected: true },
        { pattern: 'dir/*.png', value: 'dir/sub/image.png', expected: true },
        { pattern: 'dir/*.png', value: 'dir/image.png.bak', expected: false },
        { pattern: '*', value: '', expected: true },
        { pattern: '*', value: 'anything', expected: true },
        { pattern: 'a*a', value: 'a', expected: false },
        { pattern: 'a*a', value: 'aa', expected: true },
        { pattern: '*ab*ab*', value: 'xabyab', expected: true },
        { pattern: '*ab*ab*', value: 'xaby', expected: false },
        { pattern: '*ab*ab', value: 'xab', expected: false },
        { pattern: 'a*ba*ab', value: 'abab', expected: false },
        { pattern: 'a*ba*ab', value: 'ababab', expected: true },
        { pattern: '/Users/*/dir/dir/dir/doc.txt', value: '/Users/me/dir/dir/dir/dir/doc.txt', expected: true },
        { pattern: '/Users/*/dir/dir/dir/doc.txt', value: '/Users/me/dir/dir/other/doc.txt', expected: false },
        { pattern: 'exact', value: 'exact', expected: true },
        { pattern: 'exact', value: 'Exact', expected: false },
        { pattern: '', value: '', expected: true },
        { pattern: '', value: 'x', expected: false },
      ])('matches "$value" against wildcard "$pattern": $expected', ({ pattern, value, expected }) => {
        expect(matchesEventPattern({ v: [{ wildcard: pattern }] }, { v: value })).toBe(expected);
      });

      it.each([
        { name: '\\* matches a literal star', pattern: 'a\\*b', value: 'a*b', expected: true },
        { name: '\\* does not act as a wildcard', pattern: 'a\\*b', value: 'axxb', expected: false },
        { name: '\\\\ matches a literal backslash', pattern: 'C:\\\\*', value: 'C:\\temp', expected: true },
        { name: '\\\\ needs the backslash', pattern: 'C:\\\\*', value: 'C:/temp', expected: false },
        { name: 'an escaped star can precede a wildcard', pattern: '\\**', value: '*star', expected: true },
      ])('handles escapes: $name', ({ pattern, value, expected }) => {
        expect(matchesEventPattern({ v: [{ wildcard: pattern }] }, { v: value })).toBe(expected);
      });

      it.each([{ value: 123 }, { value: null }, { value: true }])('matches only strings, not $value', ({ value }) => {
        expect(matchesEventPattern({ v: [{ wildcard: '*' }] }, { v: value })).toBe(false);
      });
    });

    describe('complex example with multiple matching', () => {
      const pattern: EventPattern = {
        time: [{ prefix: '2017-10-02' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ 'anything-but': [100, 200, 300] }],
        },
      };
      const detail = { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 };

      it.each([
        { name: 'every condition holds', event: { time: '2017-10-02T16:24:49Z', detail }, expected: true },
        { name: 'the time prefix differs', event: { time: '2017-10-03T16:24:49Z', detail }, expected: false },
        { name: 'the state is excluded', event: { time: '2017-10-02T16:24:49Z', detail: { ...detail, state: 'initializing' } }, expected: false },
        { name: 'x-limit is excluded', event: { time: '2017-10-02T16:24:49Z', detail: { ...detail, 'x-limit': 300 } }, expected: false },
      ])('matches when $name: $expected', ({ event, expected }) => {
        expect(matchesEventPattern(pattern, event)).toBe(expected);
      });
    });

    describe('$or matching', () => {
      const detailOr: EventPattern = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      };

      it.each([
        { name: 'only d-count matches', detail: { 'c-count': 0, 'd-count': 0, 'x-limit': 9.018e2 }, expected: true },
        { name: 'only x-limit matches', detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 301.8 }, expected: true },
        { name: 'no alternative matches', detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 9.018e2 }, expected: false },
      ])('matches the nested $or example when $name: $expected', ({ detail, expected }) => {
        expect(matchesEventPattern(detailOr, eventWithDetail(detail))).toBe(expected);
      });

      const sourceAndOr: EventPattern = {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      };

      it.each([
        { name: 'source and metricName match', event: { source: 'aws.cloudwatch', metricName: 'ReadLatency' }, expected: true },
        { name: 'source and namespace match', event: { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, expected: true },
        { name: 'neither alternative matches', event: { source: 'aws.cloudwatch', namespace: 'AWS/S3' }, expected: false },
        { name: 'the sibling key does not match', event: { source: 'aws.ec2', metricName: 'ReadLatency' }, expected: false },
      ])('combines $or with its sibling keys by AND when $name: $expected', ({ event, expected }) => {
        expect(matchesEventPattern(sourceAndOr, event)).toBe(expected);
      });

      const nestedOrAnd: EventPattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency'] },
          {
            metricType: ['MetricType'],
            namespace: ['AWS/EC2', 'AWS/ES'],
            $or: [{ metricId: [1234] }, { spaceId: [1000] }],
          },
          { scope: ['Service'] },
        ],
      };

      it.each([
        { name: 'the AND alternative holds with its inner $or', event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }, expected: true },
        { name: 'the inner $or fails', event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1 }, expected: false },
        { name: 'the AND alternative misses a key', event: { source: 'aws.cloudwatch', namespace: 'AWS/EC2', metricId: 1234 }, expected: false },
        { name: 'the last alternative holds', event: { source: 'aws.cloudwatch', scope: 'Service' }, expected: true },
      ])('evaluates nested $or and AND when $name: $expected', ({ event, expected }) => {
        expect(matchesEventPattern(nestedOrAnd, event)).toBe(expected);
      });

      it('requires every $or of a pattern to match (parallel $or)', () => {
        const pattern: EventPattern = {
          $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
          detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
        };

        expect([
          matchesEventPattern(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.cloudwatch' } }),
          matchesEventPattern(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } }),
        ]).toEqual([true, false]);
      });

      it('matches an $or alternative that only requires a field to be absent', () => {
        const pattern: EventPattern = { $or: [{ a: ['x'] }, { b: [{ exists: false }] }] };

        expect([matchesEventPattern(pattern, { b: 1 }), matchesEventPattern(pattern, { c: 1 })]).toEqual([false, true]);
      });
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  describe('validation', () => {
    it.each([
      { name: 'the EC2 termination pattern', pattern: { source: ['aws.ec2'], detail: { state: ['terminated'] } } },
      { name: 'a prefix with equals-ignore-case', pattern: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      { name: 'an empty prefix', pattern: { source: [{ prefix: '' }] } },
      { name: 'anything-but with a prefix list', pattern: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
      { name: 'anything-but with an empty wildcard', pattern: { state: [{ 'anything-but': { wildcard: '' } }] } },
      { name: 'a numeric range', pattern: { n: [{ numeric: ['>=', -1e9, '<', 1e9] }] } },
      { name: 'an IPv6 cidr', pattern: { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
      { name: 'mixed values and operators', pattern: { v: ['a', 1, true, null, { prefix: 'b' }, { exists: false }] } },
      { name: 'a top-level $or', pattern: { $or: [{ a: ['x'] }, { b: ['y'] }] } },
    ])('accepts $name', ({ pattern }) => {
      expect(() => validateEventPattern(pattern)).not.toThrow();
    });

    it('narrows an unknown value to an EventPattern', () => {
      const candidate: unknown = JSON.parse('{"source": ["aws.guardduty"]}');

      validateEventPattern(candidate);

      expect(matchesEventPattern(candidate, { source: 'aws.guardduty' })).toBe(true);
    });

    it.each([
      // The pattern itself
      { problem: 'a pattern that is an array', pattern: [], path: '$', message: /must be a JSON object/ },
      { problem: 'a pattern that is a string', pattern: '{"source": ["aws.ec2"]}', path: '$', message: /must be a JSON object/ },
      { problem: 'a null pattern', pattern: null, path: '$', message: /must be a JSON object/ },
      { problem: 'an empty pattern', pattern: {}, path: '$', message: /empty objects are not allowed/ },
      { problem: 'an empty nested object', pattern: { detail: {} }, path: '$.detail', message: /empty objects are not allowed/ },
      // Leaves
      { problem: 'a string leaf', pattern: { source: 'aws.ec2' }, path: '$.source', message: /must be an array of values to match or a nested pattern object/ },
      { problem: 'a number leaf', pattern: { int: 42 }, path: '$.int', message: /must be an array/ },
      { problem: 'an empty array', pattern: { resources: [] }, path: '$.resources', message: /empty arrays are not allowed/ },
      { problem: 'a nested array', pattern: { source: [['aws.ec2']] }, path: '$.source[0]', message: /nested arrays are not allowed/ },
      { problem: 'an odd key in the path', pattern: { 'my key': 'x' }, path: '$["my key"]', message: /must be an array/ },
      // Operator objects
      { problem: 'an unknown operator', pattern: { detail: { state: [{ regex: '^init' }] } }, path: '$.detail.state[0]', message: /unknown operator "regex"/ },
      { problem: 'an operator in the wrong case', pattern: { my_key: [{ EXISTS: true }] }, path: '$.my_key[0]', message: /unknown operator "EXISTS"/ },
      { problem: 'two operators in one object', pattern: { f: [{ prefix: 'a', suffix: 'b' }] }, path: '$.f[0]', message: /exactly one key, got "prefix", "suffix"/ },
      { problem: 'an empty operator object', pattern: { f: [{}] }, path: '$.f[0]', message: /exactly one key, got none/ },
      // prefix, suffix, equals-ignore-case
      { problem: 'a numeric prefix', pattern: { time: [{ prefix: 123 }] }, path: '$.time[0].prefix', message: /"prefix" must be a string/ },
      { problem: 'a prefix list', pattern: { time: [{ prefix: ['2022'] }] }, path: '$.time[0].prefix', message: /"prefix" must be a string/ },
      { problem: 'a prefix with another operator', pattern: { time: [{ prefix: { suffix: 'x' } }] }, path: '$.time[0].prefix', message: /accepts a string or \{"equals-ignore-case": string\}/ },
      { problem: 'a prefix ignoring case of a number', pattern: { s: [{ prefix: { 'equals-ignore-case': 1 } }] }, path: '$.s[0].prefix.equals-ignore-case', message: /must be a string/ },
      { problem: 'a suffix list', pattern: { FileName: [{ suffix: ['.png'] }] }, path: '$.FileName[0].suffix', message: /"suffix" must be a string/ },
      { problem: 'an equals-ignore-case list', pattern: { t: [{ 'equals-ignore-case': ['a'] }] }, path: '$.t[0].equals-ignore-case', message: /"equals-ignore-case" must be a string/ },
      { problem: 'an equals-ignore-case object', pattern: { t: [{ 'equals-ignore-case': { prefix: 'ec2' } }] }, path: '$.t[0].equals-ignore-case', message: /must be a string/ },
      // wildcard
      { problem: 'consecutive wildcards', pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] }, path: '$.EventBusArn[0].wildcard', message: /consecutive wildcard characters "\*\*"/ },
      { problem: 'a wildcard list', pattern: { v: [{ wildcard: ['a*'] }] }, path: '$.v[0].wildcard', message: /"wildcard" must be a string/ },
      { problem: 'a numeric wildcard', pattern: { v: [{ wildcard: 123 }] }, path: '$.v[0].wildcard', message: /"wildcard" must be a string/ },
      { problem: 'an escape of another character', pattern: { v: [{ wildcard: 'a\\b*' }] }, path: '$.v[0].wildcard', message: /invalid escape .* at position 1/ },
      { problem: 'a trailing backslash', pattern: { v: [{ wildcard: 'a*\\' }] }, path: '$.v[0].wildcard', message: /invalid escape/ },
      // numeric
      { problem: 'a numeric operand that is not an array', pattern: { c: [{ numeric: 10 }] }, path: '$.c[0].numeric', message: /"numeric" must be an array/ },
      { problem: 'a numeric list with three terms', pattern: { c: [{ numeric: ['>', 0, '<'] }] }, path: '$.c[0].numeric', message: /got 3 terms/ },
      { problem: 'an empty numeric list', pattern: { c: [{ numeric: [] }] }, path: '$.c[0].numeric', message: /got 0 terms/ },
      { problem: 'two lower bounds', pattern: { c: [{ numeric: ['>', 0, '>', 0] }] }, path: '$.c[0].numeric[2]', message: /must end with "<" or "<="/ },
      { problem: 'a range starting with an upper bound', pattern: { c: [{ numeric: ['<', 10, '>', 0] }] }, path: '$.c[0].numeric[0]', message: /must start with ">" or ">="/ },
      { problem: 'a range starting with "="', pattern: { c: [{ numeric: ['=', 5, '<', 6] }] }, path: '$.c[0].numeric[0]', message: /must start with ">" or ">="/ },
      { problem: 'an unknown numeric operator', pattern: { c: [{ numeric: ['==', 5] }] }, path: '$.c[0].numeric[0]', message: /unknown numeric operator the string "=="/ },
      { problem: 'a numeric string operand', pattern: { c: [{ numeric: ['>', '5'] }] }, path: '$.c[0].numeric[1]', message: /must be a finite number/ },
      { problem: 'an empty range', pattern: { c: [{ numeric: ['>', 10, '<=', 5] }] }, path: '$.c[0].numeric', message: /lower bound 10 must be less than the upper bound 5/ },
      { problem: 'an upper-case numeric operator', pattern: { c: [{ NUMERIC: ['=', 5] }] }, path: '$.c[0]', message: /unknown operator "NUMERIC"/ },
      // anything-but
      { problem: 'a nested anything-but', pattern: { s: [{ 'anything-but': { 'anything-but': 'x' } }] }, path: '$.s[0].anything-but.anything-but', message: /cannot be nested/ },
      { problem: 'anything-but null', pattern: { s: [{ 'anything-but': null }] }, path: '$.s[0].anything-but', message: /"anything-but" must be a string, a number, a list/ },
      { problem: 'anything-but true', pattern: { s: [{ 'anything-but': true }] }, path: '$.s[0].anything-but', message: /"anything-but" must be a string, a number, a list/ },
      { problem: 'an anything-but list with null', pattern: { s: [{ 'anything-but': ['stopped', null] }] }, path: '$.s[0].anything-but', message: /only strings or only numbers/ },
      { problem: 'a mixed anything-but list', pattern: { s: [{ 'anything-but': ['a', 1] }] }, path: '$.s[0].anything-but', message: /only strings or only numbers/ },
      { problem: 'an empty anything-but list', pattern: { s: [{ 'anything-but': [] }] }, path: '$.s[0].anything-but', message: /must not be empty/ },
      { problem: 'an empty anything-but prefix', pattern: { s: [{ 'anything-but': { prefix: '' } }] }, path: '$.s[0].anything-but.prefix', message: /"anything-but" prefix must not be empty/ },
      { problem: 'an empty anything-but suffix', pattern: { s: [{ 'anything-but': { suffix: '' } }] }, path: '$.s[0].anything-but.suffix', message: /"anything-but" suffix must not be empty/ },
      { problem: 'an anything-but prefix ignoring case', pattern: { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] }, path: '$.s[0].anything-but.prefix', message: /must be a string or a list of strings/ },
      { problem: 'a numeric anything-but prefix', pattern: { s: [{ 'anything-but': { prefix: 123 } }] }, path: '$.s[0].anything-but.prefix', message: /must be a string or a list of strings/ },
      { problem: 'a null in an anything-but suffix list', pattern: { s: [{ 'anything-but': { suffix: [null, '.txt'] } }] }, path: '$.s[0].anything-but.suffix[0]', message: /only strings/ },
      { problem: 'anything-but numeric', pattern: { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, path: '$.s[0].anything-but.numeric', message: /does not support "numeric"/ },
      { problem: 'a numeric anything-but equals-ignore-case', pattern: { s: [{ 'anything-but': { 'equals-ignore-case': 123 } }] }, path: '$.s[0].anything-but.equals-ignore-case', message: /must be a string or a list of strings/ },
      { problem: 'consecutive wildcards in anything-but', pattern: { s: [{ 'anything-but': { wildcard: 'a**' } }] }, path: '$.s[0].anything-but.wildcard', message: /consecutive wildcard characters/ },
      { problem: 'two keys in an anything-but object', pattern: { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, path: '$.s[0].anything-but', message: /exactly one key/ },
      // exists
      { problem: 'a string exists operand', pattern: { s: [{ exists: 'true' }] }, path: '$.s[0].exists', message: /"exists" must be true or false/ },
      // cidr
      { problem: 'a malformed cidr', pattern: { ip: [{ cidr: 'bad-filter' }] }, path: '$.ip[0].cidr', message: /malformed CIDR block "bad-filter"/ },
      { problem: 'a cidr without prefix length', pattern: { ip: [{ cidr: '10.0.0.0' }] }, path: '$.ip[0].cidr', message: /malformed CIDR block/ },
      { problem: 'a bad IPv4 in a cidr', pattern: { ip: [{ cidr: '10.0.0.256/24' }] }, path: '$.ip[0].cidr', message: /malformed CIDR block/ },
      { problem: 'a bad IPv6 in a cidr', pattern: { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] }, path: '$.ip[0].cidr', message: /malformed CIDR block/ },
      { problem: 'a too long IPv4 prefix', pattern: { ip: [{ cidr: '10.0.0.0/33' }] }, path: '$.ip[0].cidr', message: /prefix length \/33 is too long/ },
      { problem: 'a too long IPv6 prefix', pattern: { ip: [{ cidr: '2001:db8::/129' }] }, path: '$.ip[0].cidr', message: /prefix length \/129 is too long/ },
      { problem: 'a cidr list', pattern: { ip: [{ cidr: ['10.0.0.0/24'] }] }, path: '$.ip[0].cidr', message: /"cidr" must be a string/ },
      // $or
      { problem: 'an $or object', pattern: { $or: { source: ['a'] } }, path: '$.$or', message: /"\$or" must be an array of pattern objects/ },
      { problem: 'an $or with one alternative', pattern: { $or: [{ source: ['a'] }] }, path: '$.$or', message: /at least 2 pattern objects, got 1/ },
      { problem: 'an $or with a string alternative', pattern: { $or: ['a', { source: ['a'] }] }, path: '$.$or[0]', message: /must be a pattern object/ },
      { problem: 'an $or with an empty alternative', pattern: { $or: [{}, { source: ['a'] }] }, path: '$.$or[0]', message: /empty objects are not allowed/ },
      {
        problem: 'an invalid operator inside $or',
        pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', '0'] }] }, { 'd-count': [1] }] } },
        path: '$.detail.$or[0].c-count[0].numeric[1]',
        message: /must be a finite number/,
      },
    ])('rejects $problem, naming the path and the problem', ({ pattern, path, message }) => {
      const error = errorThrownBy(() => validateEventPattern(pattern));

      expect(error).toBeInstanceOf(InvalidEventPatternError);
      expect(error).toMatchObject({ name: 'InvalidEventPatternError', path, message: expect.stringMatching(message) });
      expect((error as Error).message).toContain(`at ${path}:`);
    });

    it('validates the pattern before matching', () => {
      const invalid = { detail: { state: [{ regex: '^init' }] } };

      expect(() => matchesEventPattern(invalid, eventWithDetail({ state: 'initializing' }))).toThrow(
        InvalidEventPatternError,
      );
    });

    it('rejects a non-object pattern passed to matchesEventPattern from untyped code', () => {
      expect(() => matchesEventPattern(null as unknown as EventPattern, {})).toThrow(/must be a JSON object/);
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  describe('reuse of a pattern', () => {
    it('gives the same answers when one pattern object routes many events', () => {
      const pattern: EventPattern = { source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } };
      const events = Array.from({ length: 200 }, (_unused, index) => ({
        source: index % 2 === 0 ? 'aws.guardduty' : 'aws.securityhub',
        detail: { severity: index % 10 },
      }));

      const matched = events.filter((event) => matchesEventPattern(pattern, event)).length;

      // GuardDuty events have even indexes, so severity (index % 10) >= 7 only for indexes ending in 8: 20 events.
      expect(matched).toBe(20);
    });
  });
});
