// The floor of the cold-start table: Node starting and running the runner, with no work.
export const handler = async () => ({ targets: 0 })
