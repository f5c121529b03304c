/** Where a channel's sealed signing secret belongs: that channel only (a copied value does not open elsewhere). */
export const notificationSecretAad = (channelId: string): string => `notification-channel:${channelId}`;
