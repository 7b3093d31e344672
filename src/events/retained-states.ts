import { Injectable } from '@nestjs/common';

/** A camera's last stream status, sent as a retained `camera:state` to a socket subscribing to it. */
export interface CameraState {
  cameraId: number;
  ready: boolean;
  readers: number;
  seq: number;
  at: string;
}

/** The last stream status of the cameras given (all cameras when null). */
export type CameraStatesReader = (cameraIds: readonly number[] | null) => Promise<CameraState[]>;

/** Where the feed reads retained state from; whoever keeps it registers its reader here. */
@Injectable()
export class RetainedStates {
  private readCameraStates: CameraStatesReader | undefined;

  readCameraStatesWith(reader: CameraStatesReader): void {
    this.readCameraStates = reader;
  }

  async cameraStates(cameraIds: readonly number[] | null): Promise<CameraState[]> {
    return this.readCameraStates ? this.readCameraStates(cameraIds) : [];
  }
}
