/** The value at fraction `p` of the sorted values (0.5: the median, 0.99: the 99th percentile). */
export const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.floor(values.length * p)];

export const median = (values: readonly number[]): number => percentile(values, 0.5);
