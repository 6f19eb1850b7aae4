"""Line-API widgets that paint only the visible lines, for lists and timelines of any size."""
