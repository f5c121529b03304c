/** Where a certificate's private key sealed with the master key belongs: that certificate only. */
export const certificateKeyAad = (certificateId: string): string => `certificate-key:${certificateId}`;
