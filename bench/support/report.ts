/** Benchmark figures as markdown tables: readable on stdout and in bench/results.md alike. */

export type Cell = string | number

export interface Table {
  readonly title: string
  readonly note?: string
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
}

/** A figure to so many digits; "-" where there is none (NaN). */
export const fixed = (value: number, digits = 1): string => (Number.isNaN(value) ? "-" : value.toFixed(digits))

const show = (cell: Cell): string =>
  typeof cell === "number"
    ? Number.isInteger(cell)
      ? String(cell)
      : cell.toFixed(cell >= 100 ? 0 : cell >= 10 ? 1 : 2)
    : cell

export const renderTable = (table: Table): string => {
  const cells = [table.columns, ...table.rows.map((row) => row.map(show))]
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)))
  const line = (row: ReadonlyArray<string>) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`
  return [
    `### ${table.title}`,
    "",
    ...(table.note === undefined ? [] : [table.note, ""]),
    line(cells[0]!),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...cells.slice(1).map(line),
    ""
  ].join("\n")
}
