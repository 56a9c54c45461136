/** Critical sections as tests record them, and the checks every exclusion test makes on them. */

export interface Section {
  readonly who: string
  readonly token: bigint
  /** Milliseconds on one monotonic clock shared by every holder compared. */
  readonly enter: number
  readonly exit: number
  /** The lock was lost during the section (it ended at `exit` because of that). */
  readonly lost: boolean
}

const byEntry = (sections: ReadonlyArray<Section>) => [...sections].sort((a, b) => a.enter - b.enter)

/** Every section that began before another one ended (any two, not only neighbours), described. */
export const overlapsOf = (sections: ReadonlyArray<Section>): Array<string> => {
  const sorted = byEntry(sections)
  const problems: Array<string> = []
  let latest: Section | undefined
  for (const section of sorted) {
    if (latest !== undefined && section.enter <= latest.exit) {
      problems.push(`${section.who} entered ${(latest.exit - section.enter).toFixed(3)} ms before ${latest.who} left`)
    }
    if (latest === undefined || section.exit > latest.exit) latest = section
  }
  return problems
}

/** Fencing tokens that do not increase in the order the sections began, described. */
export const tokenDisordersOf = (sections: ReadonlyArray<Section>): Array<string> =>
  byEntry(sections).flatMap((section, i, sorted) => {
    const before = sorted[i - 1]
    return before !== undefined && section.token <= before.token ? [`${section.who}'s token ${section.token} after ${before.token}`] : []
  })
