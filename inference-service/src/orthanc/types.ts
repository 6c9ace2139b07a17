/**
 * The shapes of Orthanc 1.10's REST answers that the product reads. Orthanc's own field names are
 * kept verbatim (they are its API), and DICOM keywords inside `MainDicomTags` likewise.
 */

export type OrthancResourceType = 'Patient' | 'Study' | 'Series' | 'Instance';
export type OrthancLevel = OrthancResourceType;

export interface OrthancCredentials {
  readonly username: string;
  readonly password: string;
}

/** `GET /system` (the fields the product reads; Orthanc sends more). */
export interface OrthancSystem {
  readonly Name: string;
  readonly Version: string;
  readonly ApiVersion: number;
  readonly DicomAet: string;
  readonly DicomPort: number;
  readonly HttpPort: number;
  readonly PluginsEnabled: boolean;
  readonly [key: string]: unknown;
}

/** `POST /instances`. Without OverwriteInstances, a second upload of the same SOP Instance UID is `AlreadyStored`. */
export interface OrthancUploadResult {
  readonly ID: string;
  readonly ParentPatient: string;
  readonly ParentStudy: string;
  readonly ParentSeries: string;
  readonly Path: string;
  /** Only Success, or AlreadyStored of the same instance, means it is stored: FilteredOut is a refusal. */
  readonly Status: 'Success' | 'AlreadyStored' | 'FilteredOut' | (string & {});
}

/** `POST /tools/lookup`: an empty array when the UID is not in Orthanc. */
export interface OrthancLookupResult {
  readonly ID: string;
  readonly Path: string;
  readonly Type: OrthancResourceType;
}

/** Main DICOM tags as Orthanc indexes them (a few per level), keyed by DICOM keyword. */
export type OrthancMainDicomTags = Readonly<Record<string, string>>;

/** `GET /instances/{id}`, and the items of `/series/{id}/instances`, `/studies/{id}/instances`, `/tools/find`. */
export interface OrthancInstance {
  readonly ID: string;
  readonly Type: 'Instance';
  readonly ParentSeries: string;
  readonly FileSize: number;
  readonly FileUuid: string;
  readonly IndexInSeries: number | null;
  readonly MainDicomTags: OrthancMainDicomTags;
}

/** `GET /series/{id}`. */
export interface OrthancSeries {
  readonly ID: string;
  readonly Type: 'Series';
  readonly ParentStudy: string;
  readonly Instances: readonly string[];
  readonly IsStable: boolean;
  readonly MainDicomTags: OrthancMainDicomTags;
}

/** `GET /studies/{id}`: `PatientMainDicomTags` holds the patient's tags. */
export interface OrthancStudy {
  readonly ID: string;
  readonly Type: 'Study';
  readonly ParentPatient: string;
  readonly Series: readonly string[];
  readonly IsStable: boolean;
  readonly MainDicomTags: OrthancMainDicomTags;
  readonly PatientMainDicomTags: OrthancMainDicomTags;
}

/**
 * `GET /instances/{id}/simplified-tags`: keyword → string value, `null` for bulk data such as
 * PixelData, and sequences as arrays of nested datasets.
 */
export type OrthancSimplifiedValue = string | null | readonly OrthancSimplifiedTags[];
export type OrthancSimplifiedTags = { readonly [keyword: string]: OrthancSimplifiedValue };

/** `GET /instances/{id}/metadata?expand`: e.g. SopClassUid, TransferSyntax, RemoteAET, Origin, ReceptionDate. */
export type OrthancInstanceMetadata = Readonly<Record<string, string>>;

/** `POST /tools/find`: a query on main DICOM tags of the level or of its parents (`*` and `?` wildcards). */
export interface OrthancFindQuery {
  readonly Query: Readonly<Record<string, string>>;
  readonly Limit?: number;
  readonly Since?: number;
  readonly CaseSensitive?: boolean;
}

export type OrthancChangeType =
  | 'NewInstance'
  | 'NewSeries'
  | 'NewStudy'
  | 'NewPatient'
  | 'StableSeries'
  | 'StableStudy'
  | 'StablePatient'
  | 'Deleted'
  | (string & {});

export interface OrthancChange {
  readonly ChangeType: OrthancChangeType;
  readonly ID: string;
  readonly Path: string;
  readonly ResourceType: OrthancResourceType;
  readonly Seq: number;
  readonly Date: string;
}

/** `GET /changes?since=&limit=`: `Last` is the highest sequence number returned (or the current last when none). */
export interface OrthancChanges {
  readonly Changes: readonly OrthancChange[];
  readonly Done: boolean;
  readonly Last: number;
}

/** `POST /modalities/{id}/store` with `Synchronous: true`. */
export interface OrthancModalityStoreResult {
  readonly InstancesCount?: number;
  readonly FailedInstancesCount?: number;
  readonly RemoteAet?: string;
}
