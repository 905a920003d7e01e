/** "1 point", "12 points": a margin (0..1) in share points. */
export function sharePoints(margin: number): string {
  const n = Math.round(margin * 100);
  return `${n} ${n === 1 ? "point" : "points"}`;
}
