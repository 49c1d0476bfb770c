/**
 * Who is acting in the panel. Until sign-in exists every panel mutation is recorded as
 * "panel"; the auth layer replaces this with the signed-in user.
 */
export async function panelActor(): Promise<string> {
  return 'panel';
}
