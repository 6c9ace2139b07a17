/**
 * The slice of OHIF 3.13's run-time API this extension uses. The `@ohif/*` packages ship UMD bundles
 * without TypeScript types, so the shapes are declared here, narrowly: only members we call, as OHIF
 * defines them (platform/core/src/services, extensions/default/src/DicomWebDataSource).
 */

export interface OhifInstance {
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly SOPClassUID?: string;
  readonly Modality?: string;
  readonly imageId?: string;
  readonly SeriesDescription?: string;
  readonly SeriesNumber?: number | string;
  readonly InstanceNumber?: number | string;
}

export interface OhifDisplaySet {
  readonly displaySetInstanceUID: string;
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPClassUID?: string;
  readonly Modality?: string;
  readonly SeriesDescription?: string;
  readonly SeriesNumber?: number | string;
  readonly images?: readonly OhifInstance[];
  readonly instances?: readonly OhifInstance[];
  /** SR display sets (cornerstone-dicom-sr's handler) hold their one instance here too. */
  readonly instance?: OhifInstance;
  /** SR display sets, once loaded: whether OHIF's cornerstone adapters can load its groups as measurements. */
  readonly isLoaded?: boolean;
  readonly isRehydratable?: boolean;
  readonly isHydrated?: boolean;
  /** SR display sets: the measurement groups as cornerstone-dicom-sr read them (getSopClassHandlerModule.ts). */
  readonly measurements?: readonly SrMeasurement[];
}

/** One TID 1500 measurement group as OHIF's SR handler reads it: its NUMs as `{ label: CodeMeaning, value: '50.64 %' }`. */
export interface SrMeasurement {
  readonly TrackingUniqueIdentifier?: string;
  readonly TrackingIdentifier?: string;
  readonly labels?: ReadonlyArray<{ readonly label: string; readonly value: string }>;
}

/** OHIF's CustomizationService (platform/core/src/services/CustomizationService), as far as we set one. */
export interface CustomizationService {
  setCustomizations(customizations: Record<string, unknown>): void;
}

export interface DisplaySetService {
  getDisplaySetByUID(displaySetInstanceUID: string): OhifDisplaySet | undefined;
  getDisplaySetsForSeries(SeriesInstanceUID: string): OhifDisplaySet[];
  getActiveDisplaySets?(): OhifDisplaySet[];
  subscribe(event: string, callback: (payload: unknown) => void): { unsubscribe(): void };
  readonly EVENTS: { readonly DISPLAY_SETS_ADDED: string };
}

export interface ViewportGridViewport {
  readonly viewportId: string;
  readonly displaySetInstanceUIDs: readonly string[];
}

export interface ViewportGridService {
  getActiveViewportId(): string;
  getState(): { readonly activeViewportId: string; readonly viewports: Map<string, ViewportGridViewport> };
  setDisplaySetsForViewport(props: { viewportId: string; displaySetInstanceUIDs: string[] }): void;
  subscribe?(event: string, callback: (payload: unknown) => void): { unsubscribe(): void };
  readonly EVENTS: { readonly ACTIVE_VIEWPORT_ID_CHANGED: string; readonly GRID_STATE_CHANGED: string };
}

/** A cornerstone stack viewport, as far as we ask it which image is shown and where it lies on screen. */
export interface CornerstoneViewport {
  getCurrentImageIdIndex?(): number;
  getCurrentImageId?(): string | undefined;
  /** The viewport's element: cornerstone fires its render events here. */
  readonly element?: HTMLElement;
  /** World (mm) to canvas coordinates in CSS pixels of the element. */
  worldToCanvas?(world: readonly [number, number, number]): [number, number];
  /** The shown image's geometry: vtk image data (index → world) and its dimensions [columns, rows, 1]. */
  getImageData?(): { readonly dimensions?: readonly number[]; readonly imageData?: { indexToWorld?(index: readonly number[]): number[] } } | undefined;
}

export interface CornerstoneViewportService {
  getCornerstoneViewport(viewportId: string): CornerstoneViewport | null | undefined;
}

export type NotificationType = 'info' | 'success' | 'warning' | 'error' | 'loading';

export interface UINotificationService {
  show(options: {
    title: string;
    message: string;
    type?: NotificationType;
    duration?: number;
    autoClose?: boolean;
    allowDuplicates?: boolean;
    id?: string;
  }): string;
  hide(id: string): void;
}

export interface ToolbarButtonDefinition {
  readonly id: string;
  readonly uiType: string;
  readonly props: Record<string, unknown>;
}

export interface ToolbarService {
  register(buttons: ToolbarButtonDefinition[], replace?: boolean): void;
  updateSection(section: string, buttonIds: string[]): void;
  /** Re-evaluates the buttons whenever `service` broadcasts one of `events`. */
  registerEventForToolbarUpdate(service: object, events: string[]): void;
}

export interface HangingProtocolService {
  getViewportsRequireUpdate(viewportId: string, displaySetInstanceUID: string, isHangingProtocolLayout?: boolean): unknown[];
}

export interface PanelService {
  /** Shows the panel's tab; `forceActive` also when the side panel has not been opened yet. */
  activatePanel(panelId: string, forceActive?: boolean): void;
  getPanels?(position: 'left' | 'right'): ReadonlyArray<{ readonly id: string }>;
  readonly EVENTS: { readonly PANELS_CHANGED: string };
  /** PubSubService's broadcaster (platform/core/src/services/_shared/pubSubServiceInterface.ts). */
  _broadcastEvent?(event: string, payload: unknown): void;
}

export interface OhifServices {
  readonly displaySetService: DisplaySetService;
  readonly viewportGridService: ViewportGridService;
  readonly uiNotificationService: UINotificationService;
  readonly toolbarService: ToolbarService;
  readonly hangingProtocolService?: HangingProtocolService;
  readonly cornerstoneViewportService?: CornerstoneViewportService;
  readonly panelService?: PanelService;
  readonly userAuthenticationService?: UserAuthenticationService;
  readonly customizationService?: CustomizationService;
}

/** Set up by OHIF's `oidc` app-config: the signed-in user's access token as a header (none without a login). */
export interface UserAuthenticationService {
  getAuthorizationHeader(): { readonly Authorization?: string } | undefined;
}

export interface ServicesManager {
  readonly services: OhifServices;
}

export interface CommandsManager {
  run(command: string, options?: Record<string, unknown>): unknown;
}

/** The DICOMweb data source of @ohif/extension-default. */
export interface DicomWebDataSource {
  getConfig?(): { readonly name?: string; readonly wadoRoot?: string } | undefined;
  deleteStudyMetadataPromise?(key: string): void;
  readonly retrieve: {
    readonly series: {
      metadata(options: { StudyInstanceUID: string; filters?: { seriesInstanceUID?: string[] } }): Promise<unknown>;
    };
  };
}

export interface ExtensionManager {
  getActiveDataSource(): DicomWebDataSource[];
}

/** OHIF's hotkeys manager (platform/core/src/classes/HotkeysManager.ts), as far as we bind a key. */
export interface HotkeysManager {
  registerHotkeys(definition: { commandName: string; keys: string[]; label: string; isEditable?: boolean }): void;
}

/** What OHIF passes to `preRegistration`, besides the managers. */
export interface PreRegistrationParams extends ExtensionParams {
  readonly hotkeysManager?: HotkeysManager;
  /** The second element of an `[extension, configuration]` pair in the app's extension list. */
  readonly configuration?: unknown;
  readonly appConfig?: Readonly<Record<string, unknown>>;
}

/** What OHIF passes to every module getter and lifecycle hook of an extension. */
export interface ExtensionParams {
  readonly servicesManager: ServicesManager;
  readonly commandsManager: CommandsManager;
  readonly extensionManager: ExtensionManager;
}

export interface CommandsModule {
  readonly definitions: Record<string, { commandFn: (options: Record<string, unknown>) => unknown }>;
  readonly defaultContext: string;
}

export interface ToolbarEvaluation {
  readonly disabled: boolean;
  readonly disabledText?: string;
}

export type ToolbarModuleEntry =
  | { readonly name: string; readonly evaluate: (args: { viewportId?: string }) => ToolbarEvaluation }
  | { readonly name: string; readonly defaultComponent: unknown };
