// Placeholder so the CDK can bundle this entry; replaced by the real handler.
export const handler = async (_event: unknown): Promise<never> => {
  throw new Error("admit: not built yet");
};
