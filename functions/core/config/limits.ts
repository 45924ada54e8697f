/**
 * What the services allow: the providers' documented limits and endpoints, S3's multipart
 * facts, and how much of an answer the relay reads. Provider limits are configuration: newer
 * API revisions raise them.
 */

const MiB = 1024 * 1024;

/** Where TwelveLabs is: the public API, and the hosts its presigned URLs point at. */
export const TWELVELABS_ENDPOINTS = {
  /** The public v1.3 API. */
  baseUrl: "https://api.twelvelabs.io/v1.3",
  /** Its presigned chunk URLs are S3's (`*.` matches any subdomain). */
  presignedUrlHosts: ["*.amazonaws.com"],
} as const;

/** TwelveLabs multipart-upload limits, from the v1.3 API reference (see shared/api-notes.md). */
export const TWELVELABS_LIMITS = {
  /** Largest file a session accepts, in bytes (4 GB in the v1.3 docs). */
  maxFileSize: 4 * 1024 * MiB,
  /** Most presigned URLs one presigned-urls call may ask for. */
  maxUrlsPerCall: 50,
  /** Most chunks one report call should carry. */
  maxReportBatch: 50,
  /** Largest `page_limit` the status and list calls accept. */
  maxPageLimit: 50,
  /** Asset type sent on create. */
  assetType: "video",
  /** Lifetime of one presigned URL, in seconds. */
  urlLifetimeSeconds: 3600,
  /** Lifetime of one upload session, in seconds. */
  sessionLifetimeSeconds: 24 * 3600,
} as const;

/**
 * Most bytes of a provider answer body read (2xx JSON answers). The largest legitimate answer
 * carries 50 presigned URLs (create or presigned-urls): measured with the AWS presigner, an S3
 * UploadPart URL signed with a 1,100-character session token is ~1.8 KB, so 50 entries are
 * ~94 KB of JSON; a status page of 50 chunks is ~10 KB. 1 MiB is ten times that, and keeps what
 * one answer can cost a 256 MB function small. A longer answer is cut off, not buffered.
 */
export const API_ANSWER_MAX_BYTES = 1024 * 1024;

/**
 * Most bytes of an error answer body read (any non-2xx status): it only feeds a 300-character
 * excerpt, so 16 KiB is plenty, and a proxy's multi-megabyte error page costs nothing.
 */
export const API_ERROR_BODY_MAX_BYTES = 16 * 1024;

/** S3 multipart facts the relay and the sandbox rely on. */
export const S3_LIMITS = {
  /** Smallest part S3 accepts, except for the last one. */
  minPartSize: 5 * MiB,
  /** Most parts in one multipart upload. */
  maxParts: 10_000,
  /** Largest object S3 stores, in bytes (5 TiB): the ceiling of any relayed file. */
  maxObjectSize: 5 * 1024 * 1024 * MiB,
} as const;

/** Where SpatialGen is: the public origin, the direct-upload path off it, and the key header. */
export const SPATIALGEN_ENDPOINTS = {
  /** The public origin; `uploadsPath` hangs off it. */
  origin: "https://spatialgen.com",
  /** Base path of the direct-upload calls (start, part-urls, complete, cancel). */
  uploadsPath: "/api/videos/uploads",
  /** Header that carries the API key on every call (never sent to a presigned URL). */
  apiKeyHeader: "X-SPATIALGEN-APPKEY",
  /**
   * Hosts its presigned part URLs point at: the docs' example URL is on
   * `s3.us-west-004.spatialgen.com`, an S3-compatible store, not `*.amazonaws.com`.
   */
  presignedUrlHosts: ["*.spatialgen.com"],
} as const;

/** SpatialGen direct-upload limits, from its API reference (see shared/api-notes.md). */
export const SPATIALGEN_LIMITS = {
  /** Most part URLs one part-urls call may ask for (`count`, or entries of `partNumbers`). */
  maxUrlsPerCall: 10_000,
  /** Lifetime of one upload group, in seconds (5 days). */
  groupLifetimeSeconds: 5 * 24 * 3600,
  /**
   * Lifetime of one presigned part URL, in seconds. Not published: the docs' example answer
   * gives only `expiresAt`, so clients must read it; one hour is the sandbox's choice.
   */
  urlLifetimeSeconds: 3600,
  /** File extensions each `fileRole` accepts, lower case with the dot. */
  extensionsByRole: {
    video: [".aivu", ".mp4", ".mov"],
    video_left: [".mp4", ".mov"],
    video_right: [".mp4", ".mov"],
    audio: [".mp4", ".m4a"],
    subtitle: [".srt"],
    aime: [".aime"],
    fcpxmld: [".zip"],
  },
} as const;
