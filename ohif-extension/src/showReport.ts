import type { DicomWebDataSource, ExtensionParams, OhifDisplaySet, OhifServices } from './ohifTypes.ts';

/** How long to wait for OHIF to turn retrieved SR metadata into a display set. */
const displaySetWaitMs = 10_000;

/**
 * Forgets the data source's cached metadata for the study, so the next retrieval asks Orthanc again.
 * OHIF 3.13 caches under `${configuration.name}:${StudyInstanceUID}` but its delete function is
 * given the key verbatim, so both spellings are cleared.
 */
function forgetStudyMetadata(dataSource: DicomWebDataSource, StudyInstanceUID: string): void {
  const name = dataSource.getConfig?.()?.name;
  if (name) dataSource.deleteStudyMetadataPromise?.(`${name}:${StudyInstanceUID}`);
  dataSource.deleteStudyMetadataPromise?.(StudyInstanceUID);
}

function waitForDisplaySet(services: OhifServices, SeriesInstanceUID: string): Promise<OhifDisplaySet | undefined> {
  const { displaySetService } = services;
  const existing = displaySetService.getDisplaySetsForSeries(SeriesInstanceUID)[0];
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve) => {
    const subscription = displaySetService.subscribe(displaySetService.EVENTS.DISPLAY_SETS_ADDED, () => {
      const added = displaySetService.getDisplaySetsForSeries(SeriesInstanceUID)[0];
      if (added) finish(added);
    });
    const timer = setTimeout(() => finish(displaySetService.getDisplaySetsForSeries(SeriesInstanceUID)[0]), displaySetWaitMs);
    function finish(displaySet: OhifDisplaySet | undefined): void {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(displaySet);
    }
  });
}

/**
 * Brings a series the sidecar just stored into the open study without a reload: clear the cached
 * metadata, retrieve only that series (OHIF adds its instances, makes the display set, and the study
 * browser shows its thumbnail), then clear the cache again so a later full load is not cut to one series.
 */
export async function loadNewSeries(
  { servicesManager, extensionManager }: Pick<ExtensionParams, 'servicesManager' | 'extensionManager'>,
  StudyInstanceUID: string,
  SeriesInstanceUID: string,
): Promise<OhifDisplaySet> {
  const services = servicesManager.services;
  const known = services.displaySetService.getDisplaySetsForSeries(SeriesInstanceUID)[0];
  if (known) return known;
  const dataSource = extensionManager.getActiveDataSource()[0];
  if (!dataSource) throw new Error('loadNewSeries: the viewer has no active data source');
  forgetStudyMetadata(dataSource, StudyInstanceUID);
  try {
    await dataSource.retrieve.series.metadata({ StudyInstanceUID, filters: { seriesInstanceUID: [SeriesInstanceUID] } });
  } finally {
    forgetStudyMetadata(dataSource, StudyInstanceUID);
  }
  const displaySet = await waitForDisplaySet(services, SeriesInstanceUID);
  if (!displaySet) throw new Error(`loadNewSeries: series ${SeriesInstanceUID} was retrieved but the viewer made no display set of it`);
  return displaySet;
}
