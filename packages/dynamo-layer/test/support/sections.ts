/** Critical sections as tests record them, and the checks every exclusion test makes on them. */

export interface Section {
  readonly who: string
  readonly token: bigint
  /** Milliseconds on one monotonic clock shared by every holder compared. */
  readonly enter: number
  readonly exit: number
  /** The lock was lost during the section (it ended at `exit` because of that). */
  readonly lost: boolean
  /** Why, when it was lost: for the failure message of a test that expects no loss. */
  readonly lostReason?: string | undefined
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
    return before !== undefined && section.token <= before.token
      ? [`${section.who}'s token ${section.token} after ${before.token}`]
      : []
  })

/** A section holding some of a semaphore's permits, on the same shared clock. */
export interface PermitSection {
  readonly who: string
  readonly permits: number
  readonly enter: number
  readonly exit: number
  /** The permits were lost during the section. */
  readonly lost: boolean
}

/** How many permits the sections held at once, at the worst instant, and every entry that took them over `limit`. */
export const permitLoadOf = (
  sections: ReadonlyArray<PermitSection>,
  limit: number
): { readonly peak: number; readonly overLimit: Array<string> } => {
  // At one instant an entry counts before an exit: sections that merely touch count as overlapping.
  const changes = sections
    .flatMap((section) => [
      { at: section.enter, change: section.permits, section },
      { at: section.exit, change: -section.permits, section }
    ])
    .sort((a, b) => a.at - b.at || b.change - a.change)
  const open = new Set<PermitSection>()
  let held = 0
  let peak = 0
  const overLimit: Array<string> = []
  for (const { change, section } of changes) {
    held += change
    if (change > 0) open.add(section)
    else open.delete(section)
    peak = Math.max(peak, held)
    if (change > 0 && held > limit) {
      const others = [...open].filter((other) => other !== section).map((other) => `${other.who} (${other.permits})`)
      overLimit.push(
        `${section.who} took ${section.permits} at ${section.enter.toFixed(3)} while ${others.join(", ")} held: ${held} > ${limit}`
      )
    }
  }
  return { peak, overLimit }
}
