/**
 * The group manifest: a small JSON object dropped beside a group's files that names the group
 * and its files, so that several objects (stereo eyes, audio tracks, subtitles) become one
 * upload. Its file keys are relative to the manifest's folder.
 *
 * @example spatialgen/concert.group/manifest.json
 * {"videoName": "Concert", "layout": "Separate", "perspective": "180", "files": [
 *   {"key": "left.mov", "fileRole": "video_left"},
 *   {"key": "right.mov", "fileRole": "video_right"},
 *   {"key": "en.srt", "fileRole": "subtitle", "languageTag": "en"}]}
 */

import { z } from "zod";

/** Largest manifest read, in bytes: a manifest names a handful of files. */
export const MANIFEST_MAX_BYTES = 64 * 1024;

/** Folder names ending in this hold a group: their files are relayed by their manifest only. */
export const GROUP_FOLDER_SUFFIX = ".group";

/** One file of a manifest. */
const ManifestFileSchema = z.strictObject({
  key: z
    .string()
    .min(1, "key must not be empty")
    .refine(
      (key) => !key.startsWith("/") && !key.split("/").some((s) => s === ".." || s === "."),
      "key must be relative to the manifest's folder, without . or .. segments",
    ),
  fileRole: z.string().min(1, "fileRole must not be empty"),
  languageTag: z.string().min(1).optional(),
});

/** A manifest as dropped. Group rules (layout, roles, extensions) are the provider's check. */
export const GroupManifestSchema = z.strictObject({
  videoName: z.string().min(1, "videoName must not be empty"),
  description: z.string().optional(),
  layout: z.string().min(1).optional(),
  perspective: z.string().min(1).optional(),
  folderName: z.string().min(1).optional(),
  files: z.array(ManifestFileSchema).min(1, "files must name at least one file"),
});

/** A parsed manifest. */
export type GroupManifest = z.output<typeof GroupManifestSchema>;

/** Whether `key` is a manifest: a `.json` object. */
export function isManifestKey(key: string): boolean {
  return key.toLowerCase().endsWith(".json");
}

/** Whether `key` sits in a group folder (`….group/`): a member, relayed by its manifest. */
export function isGroupMemberKey(key: string): boolean {
  const folders = key.split("/").slice(0, -1);
  return folders.some((folder) => folder.endsWith(GROUP_FOLDER_SUFFIX));
}

/** The folder of `key`, with its trailing slash (`""` at the bucket's root). */
export function folderOf(key: string): string {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? "" : key.slice(0, slash + 1);
}

/** The last segment of `key`: the file name the provider shows. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** A video name from a key: its file name without the extension. */
export function videoNameOf(key: string): string {
  const name = fileNameOf(key);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}
