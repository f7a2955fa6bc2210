"""The demo event, modelled on the Guangzhou Research Hospital Alliance cooperation day."""
